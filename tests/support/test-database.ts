import { randomBytes } from "node:crypto";
import type { MikroORM } from "@mikro-orm/postgresql";
import { inject } from "vitest";
import { createOrm } from "../../src/infra/mikro-orm/orm.ts";
import { adminQuery } from "./global-setup.ts";

export interface TestDatabase {
  readonly url: string;
  readonly orm: MikroORM;
  /** Every statement sent to PostgreSQL since the last `statements.length = 0`. */
  readonly statements: string[];
  /** Empties every table, for tests that want a clean slate between cases. */
  truncate(): Promise<void>;
  drop(): Promise<void>;
}

/** A fresh, migrated database of this test file's own, cloned from the run's template. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = inject("adminDatabaseUrl");
  const name = `ordergraph_test_${randomBytes(6).toString("hex")}`;
  await adminQuery(adminUrl, `create database "${name}" template "${inject("templateDatabase")}"`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const statements: string[] = [];
  const orm = await createOrm({ databaseUrl: url.toString(), poolSize: 5, onStatement: (sql) => statements.push(sql) });
  return {
    url: url.toString(),
    orm,
    statements,
    async truncate() {
      await orm.em.fork().execute("truncate users, orders, order_items, order_idempotency_keys cascade");
    },
    async drop() {
      await orm.close();
      await adminQuery(adminUrl, `drop database if exists "${name}" with (force)`);
    },
  };
}
