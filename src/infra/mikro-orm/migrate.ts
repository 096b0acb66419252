import type { MikroORM } from "@mikro-orm/postgresql";
import { createOrm } from "./orm.ts";

/** Applies pending migrations in one transaction; returns the names it applied. */
export async function migrateToLatest(orm: MikroORM): Promise<string[]> {
  const applied = await orm.migrator.up();
  return applied.map((migration) => migration.name);
}

/**
 * Migrates the database at `databaseUrl` with an ORM of its own, closed afterwards. MikroORM's
 * migrator remembers that it created its bookkeeping table; when the transaction that created
 * it is lost (PostgreSQL crashed mid-migration), a retry with the same ORM would skip creating it
 * and fail for good. A fresh ORM per attempt starts clean.
 */
export async function migrateDatabase(databaseUrl: string): Promise<string[]> {
  const orm = await createOrm({ databaseUrl, poolSize: 1 });
  try {
    return await migrateToLatest(orm);
  } finally {
    await orm.close();
  }
}
