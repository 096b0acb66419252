import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { print } from "graphql";
import { expect } from "vitest";
import { pino } from "pino";
import { createApp, type App } from "../../src/app.ts";
import type { Clock } from "../../src/domain/shared/clock.ts";
import { createTokenVerifier } from "../../src/infra/auth/token-verifier.ts";
import { resolveOptions, type OptionOverrides } from "../../src/options.ts";
import { ADMIN_AUTHORIZATION, TEST_AUTH } from "./auth.ts";
import type { TestDatabase } from "./test-database.ts";

export interface GraphQLResponse<Data = Record<string, any>> {
  data?: Data | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
  extensions?: Record<string, any>;
}

export interface TestApp {
  readonly app: App;
  /** Logged lines, parsed, for assertions on what the server logs. */
  readonly logs: Record<string, unknown>[];
  /** POSTs an operation to /graphql through `app.fetch` and returns the parsed JSON body. */
  graphql<Data = Record<string, any>>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GraphQLResponse<Data>>;
  /** The same for a typed document from tests/generated: the result is typed by the operation. */
  execute<Data, Variables>(document: TypedDocumentNode<Data, Variables>, variables?: Variables, headers?: Record<string, string>): Promise<GraphQLResponse<Data>>;
}

/** Rate limits no test trips by accident; the rate-limit tests set their own. */
export const GENEROUS_RATE_LIMITS = { placeOrderPerMinute: 10_000, createUserPerMinute: 10_000, updateUserPerMinute: 10_000 };

/**
 * The real app on a test database, built by the production factory (`createApp`) with test
 * overrides, and exercised through HTTP semantics without a port.
 */
export function createTestApp(db: TestDatabase, { clock, options }: { clock?: Clock; options?: OptionOverrides } = {}): TestApp {
  const logs: Record<string, unknown>[] = [];
  const logger = pino({ level: "info" }, { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) });
  const verifier = createTokenVerifier(TEST_AUTH);
  const app = createApp({
    orm: db.orm,
    logger,
    verifyToken: async (token) => (await verifier)(token),
    options: resolveOptions({ rateLimits: GENEROUS_RATE_LIMITS }, options ?? {}),
    clock,
  });
  // As an administrator unless the caller passes its own `authorization` ("" for none).
  const graphql = async (query: string, variables?: unknown, headers: Record<string, string> = {}) => {
    const { authorization = ADMIN_AUTHORIZATION, ...rest } = headers;
    const response = await app.yoga.fetch("http://localhost/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/graphql-response+json", ...(authorization ? { authorization } : {}), ...rest },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as GraphQLResponse<any>;
  };
  return {
    app,
    logs,
    graphql: (query, variables, headers) => graphql(query, variables, headers),
    execute: (document, variables, headers) => graphql(print(document), variables, headers),
  };
}

/** A clock that moves forward 1 ms on every reading, so rows get distinct, ordered timestamps. */
export function steppingClock(start = new Date("2025-01-01T00:00:00.000Z")): Clock {
  let now = start.getTime();
  return { now: () => new Date(now++) };
}

/** A response body as the server sends it for an operation it priced: with `extensions.cost`. */
export const priced = <T extends object>(body: T) => ({ ...body, extensions: { cost: { price: expect.any(Number), limit: expect.any(Number) } } });
