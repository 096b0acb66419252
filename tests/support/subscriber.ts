import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";
import { ADMIN_AUTHORIZATION } from "./auth.ts";
import { collected } from "./collected.ts";

export interface Subscriber<T> {
  /** Everything received so far, in order. */
  readonly received: T[];
  /** Errors the server sent for this subscription. */
  readonly errors: unknown[];
  /** Resolves once `count` payloads have arrived; rejects after `timeoutMs` saying what did arrive. */
  waitFor(count: number, timeoutMs?: number): Promise<T[]>;
  /** Resolves once the server acknowledged the connection and the subscription is active. */
  readonly started: Promise<void>;
  close(): Promise<void>;
}

/** A graphql-ws client subscribed to one operation, collecting what arrives. */
/** As an administrator unless `authorization` says otherwise (null: no connection_init payload). */
/** `operation`: the document's text, or a payload naming a trusted document (`documentId`, `extensions.persistedQuery`). */
export function subscribe<T = Record<string, any>>(url: string, operation: string | { documentId?: string; extensions?: Record<string, unknown> }, variables: Record<string, unknown> = {}, authorization: string | null = ADMIN_AUTHORIZATION): Subscriber<T> {
  const collector = collected<T>({ failOnError: true });
  const { received, errors } = collector;
  let client: Client;
  const started = new Promise<void>((resolve) => {
    client = createClient({
      url,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      lazy: false,
      ...(authorization ? { connectionParams: { authorization } } : {}),
      on: { connected: () => setTimeout(resolve, 50) },
    });
  });
  const unsubscribe = client!.subscribe<T>(
    typeof operation === "string" ? { query: operation, variables } : { query: "", ...operation, variables },
    {
      next: (value) => {
        if (value.errors) errors.push(...value.errors);
        if (value.data) received.push(value.data);
        collector.wake();
      },
      error: (error) => {
        if (Array.isArray(error)) errors.push(...(error as unknown[]));
        else errors.push(error);
        collector.wake();
      },
      complete: () => {},
    },
  );
  return {
    received,
    errors,
    started,
    waitFor: (count, timeoutMs) => collector.waitFor(count, timeoutMs),
    async close() {
      unsubscribe();
      await client.dispose();
    },
  };
}
