/**
 * Entry point: config → database → instance (ORM, migrations, event bus, relay, app) → listen,
 * and a graceful shutdown on SIGTERM/SIGINT: stop accepting, finish in-flight work, exit 0.
 */
import closeWithGrace from "close-with-grace";
import { ConfigError, loadConfig, type Config } from "./config.ts";
import { openDatabase } from "./infra/database.ts";
import { startInstance } from "./instance.ts";
import { createLogger } from "./logger.ts";

async function main(config: Config): Promise<void> {
  const logger = createLogger(config.logLevel, config.env);
  const database = await openDatabase(config);
  const instance = await startInstance({
    databaseUrl: database.url,
    logger,
    poolSize: config.databasePoolSize,
    migrate: config.migrateOnStart,
    redisUrl: config.redisUrl,
    channelPrefix: config.redisChannelPrefix,
    host: config.host,
    port: config.port,
    graphiql: config.graphiql,
    introspection: config.introspection,
    development: config.env === "development",
    corsOrigins: config.corsOrigins,
    limits: config.limits,
    maxBodyBytes: config.maxBodyBytes,
    operationTimeoutMs: config.operationTimeoutMs,
    relay: { retentionMs: config.outboxRetentionHours * 3_600_000 },
    waitUntilReady: false,
    drainDelayMs: config.shutdownDrainDelayMs,
  });

  const shutdown: closeWithGrace.CloseWithGraceAsyncCallback = async ({ signal, err }) => {
    if (err) logger.error({ err }, "shutting down after an unexpected error");
    else logger.info({ signal }, "shutting down: finishing in-flight requests");
    await instance.close();
    await database.stop();
    logger.info("stopped");
  };
  closeWithGrace({ delay: config.shutdownTimeoutMs, logger: { error: (message: unknown) => logger.error(message) } }, shutdown);

  await instance.ready;
  if (config.migrateOnStart) {
    const applied = instance.appliedMigrations;
    logger.info({ applied }, applied.length ? `applied ${applied.length} migration(s)` : "database schema is up to date");
  }
  if (instance.bus.kind === "in-process") {
    logger.info("REDIS_URL is unset: subscriptions use an in-process event bus and see only this instance's changes");
  }
  logger.info(
    { url: instance.url, database: database.description, events: instance.bus.kind, env: config.env },
    `serving ${instance.url}${config.graphiql ? " (GraphiQL in a browser)" : ""} on ${database.description}`,
  );
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
