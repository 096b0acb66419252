/** The tables other tools read are part of the contract: names, types, defaults and constraints. */
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());

const query = <T>(sql: string, params: unknown[] = []) => db.orm.em.fork().execute<T[]>(sql, params);

async function columns(table: string) {
  const rows = await query<{ column_name: string; type: string; is_nullable: string; column_default: string | null }>(
    `select column_name, format_type(a.atttypid, a.atttypmod) as type, c.is_nullable, c.column_default
     from information_schema.columns c
     join pg_attribute a on a.attrelid = (quote_ident(c.table_name))::regclass and a.attname = c.column_name
     where c.table_schema = 'public' and c.table_name = ? order by c.ordinal_position`,
    [table],
  );
  return Object.fromEntries(rows.map((r) => [r.column_name, `${r.type}${r.is_nullable === "NO" ? " not null" : ""}${r.column_default ? ` default ${r.column_default}` : ""}`]));
}

const definitions = async (table: string) =>
  (await query<{ def: string }>(`select pg_get_constraintdef(oid) || ' ' || conname as def from pg_constraint where conrelid = (?)::regclass`, [table])).map((r) => r.def);

const indexes = async (table: string) => (await query<{ indexdef: string }>(`select indexdef from pg_indexes where tablename = ?`, [table])).map((r) => r.indexdef);

it("has the users table of the contract", async () => {
  expect(await columns("users")).toEqual({
    id: "uuid not null",
    email: "text not null",
    name: "text not null",
    status: "text not null default 'ACTIVE'::text",
    created_at: "timestamp with time zone not null default now()",
    updated_at: "timestamp with time zone not null default now()",
    version: "integer not null default 1",
  });
  expect(await definitions("users")).toEqual(expect.arrayContaining(["PRIMARY KEY (id) users_pkey"]));
  expect(await indexes("users")).toEqual(
    expect.arrayContaining([
      "CREATE UNIQUE INDEX idx_users_lower_email ON public.users USING btree (lower(email))",
      "CREATE INDEX idx_users_created_at_id ON public.users USING btree (created_at, id)",
    ]),
  );
});

it("has the orders table of the contract", async () => {
  expect(await columns("orders")).toMatchObject({
    id: "uuid not null",
    user_id: "uuid not null",
    status: "text not null",
    currency: "character(3) not null",
    total_cents: "bigint not null",
    created_at: "timestamp with time zone not null default now()",
    updated_at: "timestamp with time zone not null default now()",
    version: "integer not null default 1",
  });
  // Columns beyond the contract must be nullable or have defaults, so other writers still work.
  expect((await columns("orders")).cancellation_reason).toBe("text");
  expect(await definitions("orders")).toEqual(
    expect.arrayContaining(["FOREIGN KEY (user_id) REFERENCES users(id) fk_orders_users", "CHECK ((total_cents >= 0)) orders_total_cents_check"]),
  );
  expect(await indexes("orders")).toContain("CREATE INDEX idx_orders_user_id_created_at_id ON public.orders USING btree (user_id, created_at DESC, id DESC)");
});

it("has the order_items table of the contract, deleted with its order", async () => {
  expect(await columns("order_items")).toEqual({
    id: "uuid not null",
    order_id: "uuid not null",
    position: "integer not null",
    sku: "text not null",
    name: "text not null",
    quantity: "integer not null",
    unit_price_cents: "bigint not null",
  });
  expect(await definitions("order_items")).toEqual(
    expect.arrayContaining([
      "FOREIGN KEY (order_id) REFERENCES orders(id) ON DELETE CASCADE fk_order_items_orders",
      "CHECK ((quantity > 0)) order_items_quantity_check",
      "CHECK ((unit_price_cents >= 0)) order_items_unit_price_cents_check",
    ]),
  );
  expect(await indexes("order_items")).toContain("CREATE INDEX idx_order_items_order_id_position ON public.order_items USING btree (order_id, \"position\")");
});

it("accepts rows written by other tools that rely on the defaults", async () => {
  await query(`insert into users (id, email, name) values ('01900000-0000-7000-8000-000000000001', 'tool@example.com', 'Tool')`);
  const [user] = await query<{ status: string; version: number }>(`select status, version from users where email = 'tool@example.com'`);
  expect(user).toEqual({ status: "ACTIVE", version: 1 });
  await expect(query(`insert into users (id, email, name) values ('01900000-0000-7000-8000-000000000002', 'TOOL@example.com', 'Dup')`)).rejects.toThrow(/idx_users_lower_email/);
});
