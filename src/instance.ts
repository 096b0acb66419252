/**
 * One running ordergraph instance: ORM, event bus, outbox relay, the app, and an HTTP server
 * that also upgrades WebSockets on the GraphQL path. server.ts starts one from the
 * configuration; tests start several to exercise what crosses instances.
 *
 * Lifecycle: the server listens at once (so health checks answer), then connects to PostgreSQL
 * with backoff, applies migrations and starts the relay; until then GraphQL answers 503 and
 * /health/ready says why. Closing marks it not ready first, then drains.
 */
import { createServer, type Server } from "node:http";
import { Server as NetServer } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import type { MikroORM } from "@mikro-orm/postgresql";
import type { Pool } from "pg";
import { apiErrorBody, ErrorCode } from "./error-codes.ts";
import { createApp, GRAPHQL_PATH, type App } from "./app.ts";
import type { Clock } from "./domain/shared/clock.ts";
import { createTokenVerifier, type TokenVerification } from "./infra/auth/token-verifier.ts";
import { createEventBus, type PublishingEventBus } from "./infra/events/event-bus.ts";
import { createOutboxRelay, type OutboxRelay } from "./infra/events/outbox-relay.ts";
import { migrateDatabase } from "./infra/mikro-orm/migrate.ts";
import { initOrm, replicaName } from "./infra/mikro-orm/orm.ts";
import { abandonConnections } from "./infra/postgres/guarded-pool.ts";
import { watchReplicas } from "./infra/postgres/replica-watch.ts";
import { createDatabaseMonitor } from "./infra/postgres/monitor.ts";
import { createRateLimiter } from "./infra/rate-limiter.ts";
import type { Logger } from "./observability/logger.ts";
import { createMetrics } from "./observability/metrics.ts";
import { safeError } from "./observability/safe-error.ts";
import { resolveOptions, type OptionOverrides } from "./options.ts";
import type { ReadinessReport } from "./plugins/http-endpoints.ts";

/** What starting an instance takes: where its database is, how tokens are verified, and overrides of any option (options.ts). */
export interface InstanceOptions extends OptionOverrides {
  readonly databaseUrl: string;
  readonly logger: Logger;
  /** How bearer tokens are verified (a secret, public key or JWKS file). */
  readonly auth: TokenVerification;
  /** A token GraphiQL sends by default, over HTTP and WebSocket (development). */
  readonly graphiqlToken?: string;
  /** Where "now" comes from (default the system clock). */
  readonly clock?: Clock;
  /** Called with every SQL statement and the server it went to, "primary" or "replica-1", … (tests count them). */
  readonly onStatement?: (sql: string, server: string) => void;
  /** Resolve only once connected, migrated and serving (default true); else see `ready`. */
  readonly waitUntilReady?: boolean;
}

export interface Instance {
  /** http://host:port/graphql */
  readonly url: string;
  /** ws://host:port/graphql */
  readonly websocketUrl: string;
  readonly orm: MikroORM;
  readonly bus: PublishingEventBus;
  readonly relay: OutboxRelay;
  readonly app: App;
  readonly server: Server;
  /** Resolves once the instance serves operations (database reachable, migrations applied). */
  readonly ready: Promise<void>;
  /** Migrations this start applied. */
  readonly appliedMigrations: readonly string[];
  /**
   * Graceful stop: readiness turns 503, no new connections, WebSocket clients closed with 1001,
   * in-flight HTTP requests finished, the relay's current batch finished, then Redis and the
   * pool closed.
   */
  close(): Promise<void>;
}

/** How far past the operation deadline PostgreSQL's statement_timeout stops a statement on its own. */
const STATEMENT_TIMEOUT_MARGIN_MS = 1000;

export async function startInstance({ databaseUrl, logger, auth, graphiqlToken, clock, onStatement, waitUntilReady = true, ...overrides }: InstanceOptions): Promise<Instance> {
  const options = resolveOptions(overrides);
  let pool: Pool | undefined;
  const orm = await initOrm({
    databaseUrl,
    replicaUrls: options.databaseReplicaUrls,
    poolSize: options.poolSize,
    connectTimeoutMs: options.connectTimeoutMs,
    onStatement,
    // The server's own limit is a backstop a second past the operation deadline: the client
    // cancels at the deadline (and never reuses that connection), so the two never race.
    statementTimeoutMs: options.operationTimeoutMs + STATEMENT_TIMEOUT_MARGIN_MS,
    onPool: (created, server) => {
      if (server === "primary") pool = created;
      else replicaPools.set(server, created);
      // A connection that dies while idle (database restarted) is dropped and replaced.
      created.on("error", (error) => logger.warn({ err: safeError(error) }, "database connection lost"));
    },
  });

  let state: "starting" | "ready" | "stopping" = "starting";
  let waitingFor = "connecting to PostgreSQL";
  const appliedMigrations: string[] = [];
  let migrationsApplied = false;
  const metrics = createMetrics();
  const monitor = createDatabaseMonitor(databaseUrl);
  // Each replica's own line, checked once a second: its lag for /metrics, its state for
  // /health/ready, and whether reads may go to it (a second's timeout: a frozen one is skipped fast).
  const replicaMonitors = options.databaseReplicaUrls.map((url, index) => ({ name: replicaName(index), monitor: createDatabaseMonitor(url, { timeoutMs: 1000 }) }));
  const bus = createEventBus({ redis: options.redis, channelPrefix: options.channelPrefix, logger });
  const relay = createOutboxRelay({ orm, databaseUrl, publish: (events) => bus.publish(events), logger, ...options.relay });
  const rateLimiter = createRateLimiter(options.rateLimits, { redis: options.redis, keyPrefix: options.channelPrefix });
  const verifyToken = await createTokenVerifier(auth);

  const readiness = async (): Promise<ReadinessReport> => {
    const checks: Record<string, string> = {};
    checks.lifecycle = state === "ready" ? "ok" : state === "starting" ? `starting: ${waitingFor}` : "shutting down";
    checks.database = await probe(() => monitor.ping());
    if (checks.database === "ok") {
      // The migration files are fixed for this process: once none is pending, none will be.
      checks.migrations = migrationsApplied
        ? "ok"
        : await probe(async () => {
            const pending = await orm.migrator.getPending();
            if (pending.length > 0) throw new Error(`${pending.length} pending: run npm run db:migrate`);
            migrationsApplied = true;
          });
    }
    const ready = Object.values(checks).every((check) => check === "ok");
    // Redis trouble degrades subscriptions and cross-instance rate limits, but queries and
    // mutations still work: reported, never a reason to take every instance out of rotation.
    if (bus.kind === "redis") {
      const redis = await probe(() => bus.ping());
      checks.redis = redis === "ok" ? "ok" : `degraded: ${redis}`;
    }
    // A replica that does not answer only sends its reads to the primary: reported (from its
    // last check, so a frozen replica never slows readiness), never a reason to be unready.
    for (const replica of replicaWatch.reports()) {
      checks[replica.name] = replica.answering ? "ok" : `degraded: ${replica.error} (its reads go to the primary)`;
    }
    return { ready, checks };
  };

  const replicaPools = new Map<string, Pool>();
  const replicaWatch = watchReplicas(replicaMonitors, {
    // Skipped at once, and the reads running on it fail over to the primary instead of waiting for their deadline.
    onUnreachable: (name, error) => {
      const pool = replicaPools.get(name);
      if (app.readRouting.unreachable(name, error) && pool) abandonConnections(pool, `${name} stopped answering`);
    },
  });

  const app = createApp({
    orm,
    logger,
    verifyToken,
    options,
    bus,
    rateLimiter,
    clock,
    metrics,
    readiness,
    // While stopping, operations are still served (in-flight work and the drain delay); only
    // readiness says to go elsewhere.
    unavailable: () => (state === "starting" ? `The server is starting (${waitingFor}); retry shortly.` : null),
    graphiqlToken,
  });
  metrics.observe({
    websocketConnections: () => app.websockets.server.clients.size,
    outbox: () => monitor.outboxStats(),
    ...(bus.kind === "redis" ? { redisUp: async () => (await probe(() => bus.ping())) === "ok" } : {}),
    pool: () => pool && { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount },
    replicas: () =>
      Promise.resolve(
        replicaWatch.reports().map(({ name, lagSeconds }) => ({ name, lagSeconds, up: app.readRouting.replicas().find((state) => state.name === name)?.up ?? false })),
      ),
  });

  const limits = options.http;
  const server = createServer({
    requestTimeout: limits.requestTimeoutMs,
    headersTimeout: limits.headersTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    // How often Node checks request and header timeouts (its default, 30 s, would let them overrun).
    connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs),
  });
  server.maxConnections = limits.maxConnections;
  let inFlight = 0;
  server.on("request", (request, response) => {
    inFlight++;
    response.once("close", () => inFlight--);
    // Once stopping, every response closes its connection, so keep-alive clients reconnect
    // (elsewhere) instead of sending their next request to a server about to go.
    if (state === "stopping") response.setHeader("connection", "close");
    // A Host that makes no URL (`Host: a b`) would fail inside yoga with a 500 and a stack trace.
    if (!URL.canParse(`http://${request.headers.host ?? "localhost"}${request.url ?? "/"}`)) {
      response.writeHead(400, { "content-type": "application/json; charset=utf-8" }).end(apiErrorBody(ErrorCode.BAD_REQUEST, "The Host header and the path do not form a URL."));
      return;
    }
    // JSON POSTs are served directly when certain; yoga answers the rest itself, errors included
    // (the returned promise needs no handling).
    if (!app.jsonPosts.take(request, response)) void app.yoga.requestListener(request, response);
  });
  server.on("upgrade", (request, socket, head) => {
    if (state === "ready") app.websockets.handleUpgrade(request, socket, head);
    else socket.end("HTTP/1.1 503 Service Unavailable\r\n\r\n");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => resolve());
  });

  const ready = (async () => {
    for (let attempt = 0; state === "starting"; attempt++) {
      try {
        waitingFor = "connecting to PostgreSQL";
        await orm.em.fork().execute("select 1");
        if (options.migrate) {
          waitingFor = "applying migrations";
          appliedMigrations.push(...(await migrateDatabase(databaseUrl)));
          migrationsApplied = true;
        } else {
          // Checked now, while the pool is free; readiness re-checks only while some are pending.
          migrationsApplied = (await orm.migrator.getPending()).length === 0;
        }
        break;
      } catch (error) {
        const delayMs = Math.min(250 * 2 ** attempt, 5000);
        logger.error({ err: { message: safeError(error).message }, retryInMs: delayMs }, `cannot start yet (${waitingFor}): ${safeError(error).message}`);
        await sleep(delayMs);
      }
    }
    if (state !== "starting") return;
    relay.start();
    state = "ready";
  })();
  if (waitUntilReady) await ready;

  const address = server.address();
  const port = typeof address === "object" && address ? address.port : options.port;
  const host = options.host;
  const authority = `${host.includes(":") ? `[${host}]` : host}:${port}`;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${authority}${GRAPHQL_PATH}`,
    websocketUrl: `ws://${authority}${GRAPHQL_PATH}`,
    orm,
    bus,
    relay,
    app,
    server,
    ready,
    appliedMigrations,
    close() {
      closing ??= (async () => {
        const stopBy = Date.now() + options.shutdownTimeoutMs - 1000;
        state = "stopping";
        if (options.drainDelayMs) await sleep(options.drainDelayMs);
        // Stop accepting without cutting idle keep-alive connections yet (http.Server#close
        // would): a client may be sending its next request on one right now.
        const listenerClosed = new Promise<void>((resolve) => NetServer.prototype.close.call(server, () => resolve()));
        app.serverSentEvents.close();
        await app.websockets.close();
        // In-flight requests finish (their responses close their connections); connections idle
        // for a moment are closed; whatever is left when time runs out is cut.
        for (let quietSince = Date.now(); Date.now() < stopBy; await sleep(50)) {
          if (inFlight > 0) quietSince = Date.now();
          else if (Date.now() - quietSince >= 250) break;
        }
        server.closeIdleConnections();
        if (inFlight > 0) logger.warn({ inFlight }, "shutdown timeout reached: closing connections with requests in flight");
        server.closeAllConnections();
        await listenerClosed;
        // What is left gets what is left of the time, each step at most that: a frozen
        // PostgreSQL or Redis must not turn a graceful stop into a killed one.
        const step = async (what: string, work: () => Promise<unknown>) => {
          const finished = await Promise.race([work().then(() => true, () => true), sleep(Math.max(0, stopBy + 500 - Date.now())).then(() => false)]);
          if (!finished) logger.warn({ step: what }, "shutdown step did not finish in time; going on without it");
        };
        await step("startup", () => ready);
        await step("outbox relay", () => relay.stop());
        await step("event bus", () => bus.close());
        await step("rate limiter", () => rateLimiter.close());
        replicaWatch.stop();
        await step("database monitor", () => Promise.all([monitor, ...replicaMonitors.map((replica) => replica.monitor)].map((each) => each.close())));
        await step("database pool", () => orm.close());
      })();
      return closing;
    },
  };
}

/** "ok", or why the check failed (briefly, without secrets), within two seconds. */
async function probe(check: () => Promise<unknown>): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([check(), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error("timed out after 2 s")), 2000)))]);
    return "ok";
  } catch (error) {
    return safeError(error).message.split("\n")[0] ?? "failed";
  } finally {
    clearTimeout(timer);
  }
}
