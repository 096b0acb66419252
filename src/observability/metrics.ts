/**
 * Prometheus metrics (prom-client), served at GET /metrics: operations by name, type and
 * outcome; WebSocket connections and subscriptions; outbox backlog, relay lag and dead letters;
 * database pool usage; and Node's process metrics.
 */
import type { OutboxStats } from "../infra/postgres/monitor.ts";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

export interface MetricsSources {
  /** Open WebSocket connections. */
  websocketConnections(): number;
  /** Events waiting to be published, age of the oldest (relay lag), and dead letters; never from the pool. */
  outbox(): Promise<OutboxStats>;
  /** Whether Redis answers (absent without Redis). */
  redisUp?(): Promise<boolean>;
  /** The database pool, once created. */
  pool(): { total: number; idle: number; waiting: number } | undefined;
  /** Each database replica: its replication lag (null when it does not answer) and whether reads go to it. */
  replicas?(): Promise<readonly { name: string; lagSeconds: number | null; up: boolean }[]>;
}

export type Metrics = ReturnType<typeof createMetrics>;

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  let sources: MetricsSources | undefined;

  const operations = new Counter({
    name: "graphql_operations_total",
    help: "GraphQL operations by name, type and outcome (ok, error, rejected).",
    labelNames: ["operation", "type", "outcome"] as const,
    registers: [registry],
  });
  const operationDuration = new Histogram({
    name: "graphql_operation_duration_seconds",
    help: "Time from parsing to the result, by operation name, type and outcome.",
    labelNames: ["operation", "type", "outcome"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const operationCost = new Histogram({
    name: "graphql_operation_cost",
    help: "What operations were priced at by the cost limit (rows they could return), by type; refused ones included.",
    labelNames: ["type"] as const,
    buckets: [1, 10, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 25000, 100000],
    registers: [registry],
  });
  const reads = new Counter({
    name: "db_reads_total",
    help: "Reads outside a transaction by the database server that answered them: primary, replica-1, …",
    labelNames: ["server"] as const,
    registers: [registry],
  });
  const jsonPosts = new Counter({
    name: "http_graphql_json_posts_total",
    help: "GraphQL POSTs with a JSON body and answer, by who served them: direct (the JSON POST path) or yoga (handed over: an error, a stream, CORS, …).",
    labelNames: ["served_by"] as const,
    registers: [registry],
  });
  const jsonPostsDirect = jsonPosts.labels("direct");
  const jsonPostsYoga = jsonPosts.labels("yoga");
  const readCounters = new Map<string, { inc(): void }>();
  /** Counts one read answered by `server` (children looked up once: labels() hashes on every call). */
  const readsOn = (server: string) => {
    let counter = readCounters.get(server);
    if (!counter) readCounters.set(server, (counter = reads.labels(server)));
    counter.inc();
  };
  const subscriptions = new Gauge({ name: "graphql_active_subscriptions", help: "Subscriptions currently running (WebSocket and server-sent events).", registers: [registry] });
  const slowSubscribers = new Counter({
    name: "graphql_slow_subscribers_closed_total",
    help: "Subscribers ended because they stopped taking events (WebSocket: closed with 1013; server-sent events: SUBSCRIBER_TOO_SLOW).",
    registers: [registry],
  });
  const refusedSubscriptions = new Counter({
    name: "graphql_subscriptions_refused_total",
    help: "Subscriptions refused over the per-connection or per-user limit, by limit.",
    labelNames: ["limit"] as const,
    registers: [registry],
  });
  new Gauge({
    name: "graphql_websocket_connections",
    help: "Open WebSocket connections.",
    registers: [registry],
    collect() {
      this.set(sources?.websocketConnections() ?? 0);
    },
  });
  // The three outbox gauges read one query per scrape (prom-client collects gauges in parallel),
  // so they always agree; when the database does not answer, they keep their last values.
  let outbox = { backlog: 0, oldestPendingSeconds: 0, deadLetters: 0 };
  let scrape: Promise<void> | undefined;
  const readOutbox = () =>
    (scrape ??= (sources ? sources.outbox().then((stats) => void (outbox = stats), () => {}) : Promise.resolve()).finally(() => (scrape = undefined)));
  const outboxGauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        await readOutbox();
        this.set(read());
      },
    });
  outboxGauge("outbox_backlog_events", "Committed events not yet published.", () => outbox.backlog);
  outboxGauge("outbox_relay_lag_seconds", "Age of the oldest unpublished event (0 when none).", () => outbox.oldestPendingSeconds);
  outboxGauge("outbox_dead_letter_events", "Events that could not be published (outbox_dead_letters).", () => outbox.deadLetters);
  new Gauge({
    name: "redis_up",
    help: "1 when Redis answers a ping within 2 s, 0 when it does not (absent without Redis).",
    registers: [registry],
    async collect() {
      if (sources?.redisUp) this.set((await sources.redisUp()) ? 1 : 0);
    },
  });
  new Gauge({
    name: "db_replica_lag_seconds",
    help: "How far each database replica's replay is behind what it received (0 when caught up); absent when it does not answer.",
    labelNames: ["replica"] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const replica of (await sources?.replicas?.()) ?? []) if (replica.lagSeconds !== null) this.set({ replica: replica.name }, replica.lagSeconds);
    },
  });
  new Gauge({
    name: "db_replica_up",
    help: "Whether reads go to each database replica (0 while it is skipped as unreachable and its reads go to the primary).",
    labelNames: ["replica"] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const replica of (await sources?.replicas?.()) ?? []) this.set({ replica: replica.name }, replica.up ? 1 : 0);
    },
  });
  const poolGauge = (name: string, help: string, read: (pool: { total: number; idle: number; waiting: number }) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        const pool = sources?.pool();
        this.set(pool ? read(pool) : 0);
      },
    });
  poolGauge("db_pool_connections", "Connections open in the database pool.", (pool) => pool.total);
  poolGauge("db_pool_idle_connections", "Idle connections in the database pool.", (pool) => pool.idle);
  poolGauge("db_pool_waiting_requests", "Queries waiting for a pool connection.", (pool) => pool.waiting);

  return {
    registry,
    operations,
    operationDuration,
    operationCost,
    readsOn,
    /** Counts a JSON POST served directly or handed to yoga. */
    jsonPostServed: (by: "direct" | "yoga") => (by === "direct" ? jsonPostsDirect : jsonPostsYoga).inc(),
    subscriptions,
    slowSubscribers,
    refusedSubscriptions,
    /** Where the gauges read from; set once the instance is wired. */
    observe(from: MetricsSources) {
      sources = from;
    },
  };
}
