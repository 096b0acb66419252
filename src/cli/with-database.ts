import { loadConfig } from "../config.ts";
import { openDatabase } from "../infra/database.ts";
import { createOrm } from "../infra/mikro-orm/orm.ts";
import type { MikroORM } from "@mikro-orm/postgresql";

/** Runs a command-line task against the configured (or embedded) database, then cleans up. */
export async function withDatabase(task: (orm: MikroORM) => Promise<void>): Promise<void> {
  const config = loadConfig();
  const database = await openDatabase(config);
  const orm = await createOrm({ databaseUrl: database.url, poolSize: config.databasePoolSize });
  try {
    console.error(`database: ${database.description}`);
    await task(orm);
  } finally {
    await orm.close();
    await database.stop();
  }
}
