/**
 * @defer and @stream, read as clients read them: multipart/mixed through `meros`, and
 * server-sent events through the `graphql-sse` client. Loaders still batch across deferred
 * parts (the same statements as without @defer), the cost limit prices what is deferred, and
 * every response reports its price (`extensions.cost`), as /metrics does.
 */
import { createClient } from "graphql-sse";
import { meros } from "meros/browser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDatabase } from "../../src/infra/mikro-orm/seed.ts";
import { resolveOptions } from "../../src/options.ts";
import { ADMIN_AUTHORIZATION } from "../support/auth.ts";
import { createTestApp, type TestApp } from "../support/test-app.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

let db: TestDatabase;
let api: TestApp;

beforeAll(async () => {
  db = await createTestDatabase();
  api = createTestApp(db);
  await db.orm.em.fork().transactional((em) => seedDatabase(em, { users: 30, ordersPerUser: 4, itemsPerOrder: 2 }));
});
afterAll(() => db.drop());

type Payload = { data?: any; errors?: any[]; incremental?: Array<{ data?: any; items?: unknown[]; path: (string | number)[]; errors?: any[] }>; hasNext?: boolean; extensions?: any };

/** POSTs an operation asking for multipart/mixed and reads every part with meros. */
async function multipart(query: string, variables: Record<string, unknown> = {}): Promise<{ status: number; contentType: string | null; payloads: Payload[] }> {
  const response = await api.app.yoga.fetch("http://localhost/graphql", {
    method: "POST",
    headers: { "content-type": "application/json", accept: "multipart/mixed", authorization: ADMIN_AUTHORIZATION },
    body: JSON.stringify({ query, variables }),
  });
  const parts = await meros<Payload>(response);
  const payloads: Payload[] = [];
  if (Symbol.asyncIterator in parts) for await (const part of parts) payloads.push(part.body as Payload);
  else payloads.push((await (parts).json()) as Payload);
  return { status: response.status, contentType: response.headers.get("content-type"), payloads };
}

/** Applies incremental payloads to the initial result, as a client does. */
function merged(payloads: Payload[]): any {
  const result = structuredClone(payloads[0]!.data);
  for (const payload of payloads.slice(1)) {
    for (const part of payload.incremental ?? []) {
      // A streamed part's path ends at the index its items start at; a deferred part's at its object.
      const path = part.items ? part.path.slice(0, -1) : part.path;
      let target = result;
      for (const key of path) target = target[key];
      if (part.items) (target as unknown[]).splice(part.path.at(-1) as number, part.items.length, ...part.items);
      else Object.assign(target, part.data);
    }
  }
  return result;
}

const USERS_WITH_ORDERS = (deferred: boolean) => `{
  users(first: 20) {
    edges { node { id email ${deferred ? "... @defer(label: \"orders\")" : "..."} { orders(first: 3) { totalCount nodes { id status items { sku quantity } } } } } }
  }
}`;

describe("@defer over multipart/mixed", () => {
  it("sends the page first and each user's orders after, which merge into the non-deferred result", async () => {
    const plain = await api.graphql(USERS_WITH_ORDERS(false));
    expect(plain.errors).toBeUndefined();
    const { status, contentType, payloads } = await multipart(USERS_WITH_ORDERS(true));
    expect(status).toBe(200);
    expect(contentType).toMatch(/^multipart\/mixed/);
    expect(payloads.length).toBeGreaterThan(1);
    expect(payloads[0]!.hasNext).toBe(true);
    expect(payloads[0]!.data.users.edges[0].node).not.toHaveProperty("orders");
    expect(payloads.at(-1)!.hasNext).toBe(false);
    expect(payloads.flatMap((payload) => payload.incremental ?? []).every((part) => !part.errors)).toBe(true);
    expect(merged(payloads)).toEqual(plain.data);
  });

  it("runs the same statements as the query without @defer: loaders batch across the deferred parts", async () => {
    db.statements.length = 0;
    await api.graphql(USERS_WITH_ORDERS(false));
    const plain = [...db.statements];
    db.statements.length = 0;
    await multipart(USERS_WITH_ORDERS(true));
    const deferred = [...db.statements];
    expect(plain.length).toBeLessThanOrEqual(3);
    expect(deferred.length).toBe(plain.length);
  });

  it("streams a list with @stream, after its initialCount", async () => {
    const query = `{ users(first: 5) { nodes @stream(initialCount: 2) { id email } } }`;
    const plain = await api.graphql(query.replace(" @stream(initialCount: 2)", ""));
    const { payloads } = await multipart(query);
    expect(payloads[0]!.data.users.nodes).toHaveLength(2);
    expect(payloads.length).toBeGreaterThan(1);
    expect(merged(payloads)).toEqual(plain.data);
  });

  it("prices what is deferred: a deferred part over the cost limit is refused before anything runs", async () => {
    const expensive = `{ users(first: 100) { nodes { id ... @defer { orders(first: 100) { nodes { id items { sku } } } } } } }`;
    db.statements.length = 0;
    const response = await api.graphql(expensive);
    expect(response.errors?.[0]?.extensions?.code).toBe("OPERATION_LIMIT_EXCEEDED");
    expect(db.statements).toHaveLength(0);
  });
});

describe("@defer over server-sent events", () => {
  it("delivers the initial result and the deferred parts to a graphql-sse client", async () => {
    const client = createClient({
      url: "http://localhost/graphql",
      headers: { authorization: ADMIN_AUTHORIZATION },
      retryAttempts: 0,
      fetchFn: ((input: string, init?: RequestInit) => api.app.yoga.fetch(input, init ?? {})),
    });
    const payloads: Payload[] = [];
    for await (const payload of client.iterate({ query: USERS_WITH_ORDERS(true) })) payloads.push(payload as Payload);
    client.dispose();
    expect(payloads.length).toBeGreaterThan(1);
    const plain = await api.graphql(USERS_WITH_ORDERS(false));
    expect(merged(payloads)).toEqual(plain.data);
  });
});

describe("cost reporting", () => {
  it("tells every response what it was priced at and the limit", async () => {
    const small = await api.graphql(`{ users(first: 2) { nodes { id } } }`);
    expect(small.extensions?.cost).toEqual({ price: expect.any(Number), limit: resolveOptions({}).limits.maxCost });
    const bigger = await api.graphql(`{ users(first: 50) { nodes { id orders(first: 5) { nodes { id } } } } }`);
    expect(bigger.extensions!.cost.price).toBeGreaterThan(small.extensions!.cost.price);
    const { payloads } = await multipart(USERS_WITH_ORDERS(true));
    expect(payloads[0]!.extensions?.cost).toEqual({ price: expect.any(Number), limit: resolveOptions({}).limits.maxCost });
    expect(payloads.slice(1).every((payload) => payload.extensions?.cost === undefined)).toBe(true);
  });

  it("reports the prices in /metrics as a histogram by operation type, refused operations included", async () => {
    const count = async () => {
      const text = await (await api.app.yoga.fetch("http://localhost/metrics")).text();
      return Number(/graphql_operation_cost_count\{type="query"\} (\d+)/.exec(text)?.[1] ?? 0);
    };
    const before = await count();
    await api.graphql(`{ users(first: 2) { nodes { id } } }`);
    await api.graphql(`{ users(first: 100) { nodes { orders(first: 100) { nodes { items { sku } } } } } }`);
    expect(await count()).toBe(before + 2);
  });
});
