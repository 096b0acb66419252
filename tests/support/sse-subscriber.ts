import { createClient } from "graphql-sse";
import type { ExecutionResult } from "graphql";
import { ADMIN_AUTHORIZATION } from "./auth.ts";
import { collected } from "./collected.ts";

export interface SseSubscriber<T> {
  /** Every result's `data`, in order. */
  readonly received: T[];
  /** Errors in results, and the error the stream failed with, if any. */
  readonly errors: unknown[];
  /** Resolves when the server completed the subscription (or the stream failed). */
  readonly ended: Promise<"complete" | "error">;
  /** Resolves once `count` results with data have arrived; rejects after `timeoutMs` saying what did arrive. */
  waitFor(count: number, timeoutMs?: number): Promise<T[]>;
  close(): void;
}

/** A subscription over server-sent events through the `graphql-sse` client in distinct connections mode, as an administrator unless `authorization` says otherwise. */
export function subscribeOverSse<T = Record<string, any>>(url: string, query: string, variables: Record<string, unknown> = {}, authorization: string | null = ADMIN_AUTHORIZATION): SseSubscriber<T> {
  const collector = collected<T>({ failOnError: false });
  const { received, errors } = collector;
  const client = createClient({ url, retryAttempts: 0, headers: authorization ? { authorization } : {} });
  let end!: (how: "complete" | "error") => void;
  const ended = new Promise<"complete" | "error">((resolve) => (end = resolve));
  const dispose = client.subscribe<T>(
    { query, variables },
    {
      next: (result: ExecutionResult<T>) => {
        if (result.errors) errors.push(...result.errors);
        if (result.data) received.push(result.data);
        collector.wake();
      },
      error: (error) => {
        errors.push(error);
        end("error");
        collector.wake();
      },
      complete: () => end("complete"),
    },
  );
  return {
    received,
    errors,
    ended,
    waitFor: (count, timeoutMs) => collector.waitFor(count, timeoutMs),
    close() {
      dispose();
      client.dispose();
    },
  };
}
