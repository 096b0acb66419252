/**
 * The federation subgraph (FEDERATION=true): `_entities` resolves users and orders by their global
 * ID through the same per-request loaders as `node` — one statement per type for a whole batch of
 * representations — and `_service` answers the SDL committed as schema.federation.graphql.
 * Who may see what through `_entities` is in tests/authorization/access.test.ts; a gateway
 * composing the subgraph with another is in tests/e2e/federation.test.ts.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDatabase } from "../../src/infra/mikro-orm/seed.ts";
import { createTestApp, type TestApp } from "../support/test-app.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

const ENTITIES = `query Entities($representations: [_Any!]!) {
  _entities(representations: $representations) { __typename ... on User { id email } ... on Order { id status } }
}`;

let db: TestDatabase;
let subgraph: TestApp;
let users: { id: string; email: string; orders: { nodes: { id: string; status: string }[] } }[];

beforeAll(async () => {
  db = await createTestDatabase();
  subgraph = createTestApp(db, { options: { federation: true } });
  await db.orm.em.fork().transactional((em) => seedDatabase(em, { users: 50, ordersPerUser: 1, itemsPerOrder: 1 }));
  const { data } = await subgraph.graphql(`{ users(first: 50) { nodes { id email orders(first: 1) { nodes { id status } } } } }`);
  users = data!.users.nodes;
});
afterAll(() => db.drop());

const userKey = (id: string) => ({ __typename: "User", id });
const orderKey = (id: string) => ({ __typename: "Order", id });
const missingUser = Buffer.from("User:01900000-0000-7000-8000-000000000000").toString("base64url");

describe("_entities", () => {
  it("answers each representation with its user or order, in order, and null for one that does not exist", async () => {
    const [ada, bob] = users as [(typeof users)[number], (typeof users)[number]];
    const order = ada.orders.nodes[0]!;
    const result = await subgraph.graphql(ENTITIES, { representations: [orderKey(order.id), userKey(missingUser), userKey(bob.id), userKey(ada.id)] });
    expect(result.errors).toBeUndefined();
    expect(result.data!._entities).toEqual([
      { __typename: "Order", id: order.id, status: order.status },
      null,
      { __typename: "User", id: bob.id, email: bob.email },
      { __typename: "User", id: ada.id, email: ada.email },
    ]);
  });

  it("loads 50 users and 50 orders with one statement per type, as node does", async () => {
    const representations = users.flatMap((user) => [userKey(user.id), orderKey(user.orders.nodes[0]!.id)]);
    expect(representations).toHaveLength(100);
    db.statements.length = 0;
    const result = await subgraph.graphql(ENTITIES, { representations });
    expect(result.errors).toBeUndefined();
    expect(result.data!._entities.filter((entity: { __typename: string } | null) => entity?.__typename === "User")).toHaveLength(50);
    expect(result.data!._entities.filter((entity: { __typename: string } | null) => entity?.__typename === "Order")).toHaveLength(50);
    expect(db.statements).toHaveLength(2);
    expect(db.statements.filter((sql) => /from users where id = any/.test(sql))).toHaveLength(1);
    expect(db.statements.filter((sql) => /from orders where id = any/.test(sql))).toHaveLength(1);
  });

  it.each([
    ["a key that is not a global ID", { __typename: "User", id: "nope" }],
    ["a key that is the global ID of another type", (): object => ({ __typename: "User", id: users[0]!.orders.nodes[0]!.id })],
    ["a key that is not a string", { __typename: "User", id: 42 }],
    ["a type that is not an entity", { __typename: "Money", cents: 1, currency: "EUR" }],
    ["no type", { id: "nope" }],
  ] as const)("refuses %s with BAD_USER_INPUT for the whole field, as nodes(ids:) refuses a malformed ID, loading nothing", async (_, representation) => {
    const bad = typeof representation === "function" ? representation() : representation;
    db.statements.length = 0;
    const result = await subgraph.graphql(ENTITIES, { representations: [userKey(users[1]!.id), bad] });
    expect(result.data ?? null).toBeNull();
    expect(result.errors).toEqual([expect.objectContaining({ path: ["_entities"], extensions: expect.objectContaining({ code: "BAD_USER_INPUT" }) })]);
    // The good representation before the bad one started no load that outlives the operation.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(db.statements).toEqual([]);
  });

  it("is priced by its representations, like nodes(ids:)", async () => {
    const priceOf = async (count: number) => (await subgraph.graphql(ENTITIES, { representations: users.slice(0, count).map((user) => userKey(user.id)) })).extensions!.cost.price as number;
    const one = await priceOf(1);
    // The same document with more representations: the price must not come from a cache of the first.
    expect(await priceOf(50)).toBe(1 + 50 * (one - 1));
  });
});

describe("_service", () => {
  it("answers the SDL committed as schema.federation.graphql, to anonymous callers too (like introspection)", async () => {
    const result = await subgraph.graphql("{ _service { sdl } }", {}, { authorization: "" });
    expect(`${result.data!._service.sdl}\n`).toBe(readFileSync(new URL("../../schema.federation.graphql", import.meta.url), "utf8"));
  });

  it("is refused, like introspection, when introspection is off", async () => {
    const closed = createTestApp(db, { options: { federation: true, introspection: false } });
    const result = await closed.graphql("{ _service { sdl } }");
    expect(result.data ?? null).toBeNull();
    expect(result.errors).toEqual([expect.objectContaining({ message: expect.stringMatching(/introspection has been disabled/) })]);
  });
});

it("is not served without FEDERATION: the schema is schema.graphql's", async () => {
  const plain = createTestApp(db);
  for (const query of ["{ _service { sdl } }", `{ _entities(representations: [{ __typename: "User", id: "${users[0]!.id}" }]) { __typename } }`]) {
    const result = await plain.graphql(query);
    expect(result.errors).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: "GRAPHQL_VALIDATION_FAILED" }) })]);
  }
});
