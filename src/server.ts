/**
 * Entry point: config → database → ORM (+ migrations) → app → listen, and a graceful shutdown
 * on SIGTERM/SIGINT: stop accepting, let in-flight requests finish, close the pool, exit 0.
 */
import { createServer } from "node:http";
import closeWithGrace from "close-with-grace";
import { createApp, GRAPHQL_PATH } from "./app.ts";
import { ConfigError, loadConfig, type Config } from "./config.ts";
import { createContextFactory } from "./context.ts";
import { systemClock } from "./domain/shared/clock.ts";
import { newId } from "./domain/shared/ids.ts";
import { openDatabase } from "./infra/database.ts";
import { migrateToLatest } from "./infra/mikro-orm/migrate.ts";
import { createOrm } from "./infra/mikro-orm/orm.ts";
import { createLogger } from "./logger.ts";
import { schema } from "./schema/index.ts";

async function main(config: Config): Promise<void> {
  const logger = createLogger(config.logLevel);
  const database = await openDatabase(config);
  const orm = await createOrm({ databaseUrl: database.url, poolSize: config.databasePoolSize });
  if (config.migrateOnStart) {
    const applied = await migrateToLatest(orm);
    logger.info({ applied }, applied.length ? `applied ${applied.length} migration(s)` : "database schema is up to date");
  }

  const app = createApp({ schema, createContext: createContextFactory({ orm, clock: systemClock, newId }), logger, graphiql: config.graphiql });
  // yoga answers every request itself, errors included; the returned promise needs no handling.
  const server = createServer((request, response) => void app.requestListener(request, response));

  const shutdown: closeWithGrace.CloseWithGraceAsyncCallback = async ({ signal, err }) => {
    if (err) logger.error({ err }, "shutting down after an unexpected error");
    else logger.info({ signal }, "shutting down: finishing in-flight requests");
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    });
    await orm.close();
    await database.stop();
    logger.info("stopped");
  };
  closeWithGrace({ delay: config.shutdownTimeoutMs, logger: { error: (message: unknown) => logger.error(message) } }, shutdown);

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  const url = `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${port}${GRAPHQL_PATH}`;
  logger.info({ url, database: database.description, env: config.env }, `serving ${url}${config.graphiql ? " (GraphiQL in a browser)" : ""} on ${database.description}`);
}

try {
  await main(loadConfig());
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
  } else {
    console.error("ordergraph failed to start:", error);
  }
  process.exit(1);
}
