import { ConfigError, loadConfig, type Config } from "../config.ts";
import { openDatabase, type Database } from "../infra/database.ts";
import { EmbeddedPostgresError } from "../infra/embedded-postgres.ts";
import { createOrm } from "../infra/mikro-orm/orm.ts";
import type { MikroORM } from "@mikro-orm/postgresql";

/**
 * Runs a command-line task against the configured (or embedded) database, then cleans up. An
 * embedded server that is already running (say, under `npm start`) is shared, never stopped.
 */
export async function withDatabase(task: (orm: MikroORM) => Promise<void>): Promise<void> {
  let config: Config;
  let database: Database;
  try {
    config = loadConfig();
    database = await openDatabase(config);
  } catch (error) {
    if (!(error instanceof ConfigError || error instanceof EmbeddedPostgresError)) throw error;
    console.error(error.message);
    process.exitCode = 1;
    return;
  }
  const orm = await createOrm({ databaseUrl: database.url, poolSize: config.options.poolSize });
  try {
    console.error(`database: ${database.description}`);
    await task(orm);
  } finally {
    await orm.close();
    await database.stop();
  }
}
