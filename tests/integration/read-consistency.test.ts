/**
 * What a request reads is what the database holds: after a mutation in the same request, and
 * whatever time zone the database is set to.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MikroORM } from "@mikro-orm/postgresql";
import { createOrm } from "../../src/infra/mikro-orm/orm.ts";
import { createTestApp, type TestApp } from "../support/test-app.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

let db: TestDatabase;
let api: TestApp;
let userId: string;
let zoned: MikroORM;

beforeAll(async () => {
  db = await createTestDatabase();
  // A database whose sessions default to a zone with historical offsets in seconds.
  await db.orm.em.fork().execute(`alter database "${new URL(db.url).pathname.slice(1)}" set timezone = 'Europe/Amsterdam'`);
  // Sessions opened from now on get the database's zone (unless the server sets its own).
  zoned = await createOrm({ databaseUrl: db.url, poolSize: 2 });
  api = createTestApp({ ...db, orm: zoned });
  userId = (await api.graphql(`mutation { createUser(input: { email: "serial@example.com", name: "Serial" }) { user { id } } }`)).data!.createUser.user.id;
});
afterAll(async () => {
  await zoned?.close();
  await db?.drop();
});

const ORDER = `{ userId: $id, currency: "USD", items: [{ sku: "A", name: "A", quantity: 1, unitPriceCents: 100 }] }`;

describe("serial mutations in one request", () => {
  it("each payload sees what the mutations before it committed", async () => {
    const { data, errors } = await api.graphql(
      `mutation($id: ID!) {
        a: placeOrder(input: ${ORDER}) { order { user { name version orders(first: 1) { totalCount } } } }
        u: updateUser(input: { id: $id, name: "Renamed" }) { user { name version } }
        b: placeOrder(input: ${ORDER}) { order { user { name version orders(first: 1) { totalCount } } } }
      }`,
      { id: userId },
    );
    expect(errors).toBeUndefined();
    expect(data!.a.order.user).toEqual({ name: "Serial", version: 1, orders: { totalCount: 1 } });
    expect(data!.u.user).toEqual({ name: "Renamed", version: 2 });
    expect(data!.b.order.user).toEqual({ name: "Renamed", version: 2, orders: { totalCount: 2 } });
  });
});

describe("a database that is not in UTC", () => {
  it("reads timestamps exactly, historical offsets with seconds included, and pages over them", async () => {
    const instants = ["1900-01-01T00:00:00.000Z", "1937-06-01T12:00:00.000Z", "2024-02-29T23:59:59.999Z"];
    for (const [index, instant] of instants.entries()) {
      await db.orm.em.fork().execute(
        `insert into users (id, email, name, status, created_at, updated_at, version) values ('00000000-0000-7000-8000-00000000100${index}', 'tz${index}@example.com', 'TZ', 'ACTIVE', '${instant}', '${instant}', 1)`,
      );
    }
    const first = await api.graphql(`{ users(first: 2, filter: { search: "tz" }) { nodes { createdAt } pageInfo { endCursor } } }`);
    expect(first.errors).toBeUndefined();
    const rest = await api.graphql(`query($after: String) { users(first: 5, after: $after, filter: { search: "tz" }) { nodes { createdAt } } }`, { after: first.data!.users.pageInfo.endCursor });
    expect(rest.errors).toBeUndefined();
    expect([...first.data!.users.nodes, ...rest.data!.users.nodes].map((node: { createdAt: string }) => node.createdAt)).toEqual(instants);
  });
});
