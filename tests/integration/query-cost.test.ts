/**
 * Per-request DataLoaders keep the number of SQL statements of a nested query constant,
 * whatever the page sizes: one statement per level, not one per parent.
 */
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
