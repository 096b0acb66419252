import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { print } from "graphql";
import { pino } from "pino";
import { createApp, type App } from "../../src/app.ts";
import { createContextFactory } from "../../src/context.ts";
import type { Clock } from "../../src/domain/shared/clock.ts";
import { systemClock } from "../../src/domain/shared/clock.ts";
import { newId } from "../../src/domain/shared/ids.ts";
import { createEventFeed } from "../../src/domain/events/event-feed.ts";
import { createEventBus } from "../../src/infra/events/event-bus.ts";
import { createMikroOrmEventLog } from "../../src/infra/mikro-orm/outbox-repository.ts";
import { createTokenVerifier } from "../../src/infra/auth/token-verifier.ts";
import { schema } from "../../src/schema/index.ts";
import { ADMIN_AUTHORIZATION, TEST_AUTH } from "./auth.ts";
import type { TestDatabase } from "./test-database.ts";

export interface GraphQLResponse<Data = Record<string, any>> {
  data?: Data | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
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

/** The real app on a test database, exercised through HTTP semantics without a port. */
export function createTestApp(db: TestDatabase, options: { clock?: Clock } = {}): TestApp {
  const logs: Record<string, unknown>[] = [];
  const logger = pino({ level: "info" }, { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) });
  const bus = createEventBus({ logger });
  const verifier = createTokenVerifier(TEST_AUTH);
  const app = createApp({
    schema,
    createContext: createContextFactory({ orm: db.orm, clock: options.clock ?? systemClock, newId, events: createEventFeed({ log: createMikroOrmEventLog(db.orm.em), bus }) }),
    verifyToken: async (token) => (await verifier)(token),
    logger,
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
