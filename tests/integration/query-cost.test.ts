/**
 * Per-request DataLoaders keep the number of SQL statements of a nested query constant,
 * whatever the page sizes: one statement per level, not one per parent.
 */
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { parse } from "graphql";
import { afterAll, beforeAll, expect, it } from "vitest";
import { seedDatabase } from "../../src/infra/mikro-orm/seed.ts";
import { graphql } from "../generated/index.ts";
import { createTestApp, type TestApp } from "../support/test-app.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

const NestedUsers = graphql(`
  query NestedUsers($first: Int!, $withCount: Boolean!) {
    users(first: $first) {
      totalCount @include(if: $withCount)
      edges {
        cursor
        node {
          id
          email
          orders(first: 10) {
            totalCount
            edges { node { id status total { amount } items { sku quantity subtotal { cents } } user { id email } } }
          }
        }
      }
    }
  }
`);

let db: TestDatabase;
let api: TestApp;

beforeAll(async () => {
  db = await createTestDatabase();
  api = createTestApp(db);
  await db.orm.em.fork().transactional((em) => seedDatabase(em, { users: 120, ordersPerUser: 12, itemsPerOrder: 2 }));
});
afterAll(() => db.drop());

async function statementsFor(first: number, withCount: boolean) {
  db.statements.length = 0;
  const result = await api.execute(NestedUsers, { first, withCount });
  expect(result.errors).toBeUndefined();
  expect(result.data?.users.edges).toHaveLength(first);
  for (const { node } of result.data!.users.edges) {
    expect(node.orders.totalCount).toBe(12);
    expect(node.orders.edges).toHaveLength(10);
    for (const order of node.orders.edges) expect(order.node.user.id).toBe(node.id);
  }
  return [...db.statements];
}

it("runs the same, small number of SQL statements for 1 user as for 100", async () => {
  const one = await statementsFor(1, true);
  const hundred = await statementsFor(100, true);
  expect(hundred.length).toBe(one.length);
  expect(hundred.length).toBeLessThanOrEqual(6);
});

it("answers users → orders with totalCount → items in three statements: page, pages with counts, items", async () => {
  expect(await statementsFor(50, false)).toHaveLength(3);
});

it("counts users only when their totalCount is selected", async () => {
  const withCount = await statementsFor(5, true);
  const withoutCount = await statementsFor(5, false);
  expect(withoutCount.length).toBe(withCount.length - 1);
  expect(withCount.filter((s) => /count\(\*\)/.test(s) && /from users/.test(s))).toHaveLength(1);
  expect(withoutCount.filter((s) => /count\(\*\)/.test(s) && /from users/.test(s))).toHaveLength(0);
});

it("reads a page of orders with their users in one statement, and without them when `user` is not selected", async () => {
  const withUsers = async (selection: string) => {
    db.statements.length = 0;
    const result = await api.execute(parse(`{ orders(first: 50) { ${selection} } }`) as TypedDocumentNode<any>, {});
    expect(result.errors).toBeUndefined();
    return { data: result.data, statements: [...db.statements] };
  };
  const throughEdges = await withUsers("edges { node { id user { id email } } }");
  expect(throughEdges.statements).toHaveLength(1);
  expect(throughEdges.statements[0]).toMatch(/join lateral/);
  expect(throughEdges.data.orders.edges).toHaveLength(50);
  for (const { node } of throughEdges.data.orders.edges) expect(node.user.email).toMatch(/@/);

  const throughNodes = await withUsers("nodes { id ... on Order { user { email } } }");
  expect(throughNodes.statements).toHaveLength(1);
  expect(throughNodes.data.orders.nodes.map((order: any) => order.user.email)).toEqual(throughEdges.data.orders.edges.map((edge: any) => edge.node.user.email));

  const withoutUsers = await withUsers("nodes { id status }");
  expect(withoutUsers.statements).toHaveLength(1);
  expect(withoutUsers.statements[0]).not.toMatch(/join/);
});

it("runs reads as named prepared statements, so a connection parses and plans each text once", async () => {
  // Sequential requests reuse the pool's most recently released connection, as does the check.
  for (let i = 0; i < 3; i++) await api.execute(NestedUsers, { first: 2, withCount: false });
  const prepared = await db.orm.em.fork().execute<{ name: string; statement: string }[]>("select name, statement from pg_prepared_statements where not from_sql");
  expect(prepared.filter((statement) => /from orders/.test(statement.statement)).length).toBeGreaterThan(0);
  expect(new Set(prepared.map((statement) => statement.statement)).size).toBe(prepared.length);
});
