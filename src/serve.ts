/**
 * The server (loaded by server.ts, after tracing): config → database → instance (ORM, migrations, event bus, relay, app) → listen,
 * and a graceful shutdown on SIGTERM/SIGINT: stop accepting, finish in-flight work, exit 0.
 */
import closeWithGrace from "close-with-grace";
import { ConfigError, loadConfig, type Config } from "./config.ts";
import { openDatabase } from "./infra/database.ts";
import { EmbeddedPostgresError } from "./infra/embedded-postgres.ts";
import { loadOrCreateDevSecret } from "./infra/auth/dev-secret.ts";
import { issueToken } from "./infra/auth/token-issuer.ts";
import { startInstance, type Instance } from "./instance.ts";
import { TrustedDocumentsError } from "./transport/trusted-documents.ts";
import { createLogger, type Logger } from "./observability/logger.ts";
import { stopTracing } from "./observability/telemetry.ts";

async function main(config: Config): Promise<void> {
  const logger = createLogger(config.logLevel, config.env, config.logFormat);
  // Development without verification settings: a local secret, and tokens printed below.
  const devSecret = config.auth ? undefined : loadOrCreateDevSecret();
  const auth = config.auth ?? { secret: devSecret };
  const adminToken = devSecret ? await issueToken(devSecret, { sub: DEV_ADMIN, roles: ["admin"], ttlSeconds: 12 * 3600 }) : undefined;
  const database = await openDatabase(config);
  const instance = await startInstance({
    ...config.options,
    databaseUrl: database.url,
    logger,
    auth,
    waitUntilReady: false,
    ...(adminToken && config.options.graphiql ? { graphiqlToken: adminToken } : {}),
  });

  let stopping = false;
  const shutdown: closeWithGrace.CloseWithGraceAsyncCallback = async ({ signal, err }) => {
    stopping = true;
    if (err) logger.error({ err }, "shutting down after an unexpected error");
    else logger.info({ signal }, "shutting down: finishing in-flight requests");
    await instance.close();
    await database.stop();
    await stopTracing();
    logger.info("stopped");
  };
  closeWithGrace({ delay: config.options.shutdownTimeoutMs, logger: { error: (message: unknown) => logger.error(message) }, skip: ["SIGINT"] }, shutdown);
  // Ctrl-C under `npm start` reaches this process twice (from the terminal and from npm) within
  // milliseconds: the first starts the graceful shutdown (as SIGTERM does), a repeat within a
  // second is that same keypress, and a later one means "now": exit without waiting.
  let interruptedAt: number | undefined;
  process.on("SIGINT", () => {
    if (interruptedAt === undefined) {
      interruptedAt = Date.now();
      process.kill(process.pid, "SIGTERM");
    } else if (Date.now() - interruptedAt > 1000) {
      logger.warn("interrupted again: exiting without finishing the shutdown");
      process.exit(130);
    }
  });

  await instance.ready;
  if (stopping) return; // stopped before it served: nothing was checked or applied to report
  if (config.options.migrate) {
    const applied = instance.appliedMigrations;
    logger.info({ applied }, applied.length ? `applied ${applied.length} migration(s)` : "database schema is up to date");
  }
  if (instance.bus.kind === "in-process") {
    logger.info("No Redis (REDIS_URL, REDIS_SENTINELS or REDIS_CLUSTER_NODES): subscriptions use an in-process event bus and see only this instance's changes");
  }
  if (devSecret && adminToken) await printDevTokens(instance, devSecret, adminToken, logger);
  logger.info(
    { url: instance.url, database: database.description, events: instance.bus.kind, federation: config.options.federation },
    `serving ${instance.url}${config.options.federation ? " as a federation subgraph" : ""}${config.options.graphiql ? " (GraphiQL in a browser)" : ""} on ${database.description}`,
  );
}

const DEV_ADMIN = "00000000-0000-7000-8000-000000000000";

/** Development: short-lived tokens to paste into a client (GraphiQL already has the admin one). */
async function printDevTokens(instance: Instance, secret: string, adminToken: string, logger: Logger) {
  const [first] = await instance.orm.em.fork().execute<{ id: string; email: string }[]>("select id, email from users order by created_at limit 1");
  const customerToken = first ? await issueToken(secret, { sub: first.id, roles: ["customer"], ttlSeconds: 12 * 3600 }) : undefined;
  logger.info(
    { adminToken, customerToken, customer: first?.id ?? null },
    `development tokens (12 h; GraphiQL sends the admin one): admin ${adminToken}` +
      (customerToken ? ` — customer ${first!.id}: ${customerToken}` : " — no users yet: run npm run db:seed for a customer token"),
  );
}

try {
  await main(loadConfig());
} catch (error) {
  if (error instanceof ConfigError || error instanceof EmbeddedPostgresError || error instanceof TrustedDocumentsError) {
    console.error(error instanceof ConfigError ? error.message : `ordergraph failed to start: ${error.message}`);
  } else {
    console.error("ordergraph failed to start:", error);
  }
  process.exit(1);
}
