/**
 * Every setting of a running ordergraph, declared once, with its default. config.ts fills them
 * from the environment (and NODE_ENV's profile below); tests pass overrides to the same
 * factories production uses; each layer reads the slice it needs and repeats no default.
 *
 * Tuning that only one component knows stays with it, defaulted there: the outbox relay's
 * (OutboxRelayTuning) and the event feed's (EventFeedDeps).
 */
import type { EventFeedDeps } from "./domain/events/event-feed.ts";
import type { OutboxRelayTuning } from "./infra/events/outbox-relay.ts";

const MIB = 1024 * 1024;

export interface Options {
  /** Interface to listen on. @default "127.0.0.1" */
  readonly host: string;
  /** Port to listen on; 0 picks a free one. @default 4000 */
  readonly port: number;
  /** Limits on HTTP connections, against slow and idle clients. */
  readonly http: {
    /** Longest time to receive a whole request, headers and body. @default 30000 */
    readonly requestTimeoutMs: number;
    /** Longest time to receive a request's headers (at most requestTimeoutMs). @default 10000 */
    readonly headersTimeoutMs: number;
    /** How long an idle keep-alive connection stays open. @default 5000 */
    readonly keepAliveTimeoutMs: number;
    /** Most open connections, WebSockets included; more are refused. @default 20000 */
    readonly maxConnections: number;
  };
  /** Connections in the PostgreSQL pool. @default 10 */
  readonly poolSize: number;
  /**
   * Streaming replicas of the database to read from: queries read a replica (each with a pool of
   * `poolSize`); mutations, their answers, subscriptions and the outbox use the primary. An
   * unreachable replica is skipped until it answers again. @default [] (everything on the primary)
   */
  readonly databaseReplicaUrls: readonly string[];
  /** Longest wait to open a database connection, or for a free one from the pool. @default 5000 */
  readonly connectTimeoutMs: number;
  /** Queries and mutations that may wait for a pool connection; more get SERVICE_UNAVAILABLE. @default 2 × poolSize */
  readonly poolQueueLimit: number;
  /** Apply pending migrations before serving; otherwise readiness waits until they are applied. @default true */
  readonly migrate: boolean;
  /** Longest a query or mutation, and any SQL statement, may run. @default 10000 */
  readonly operationTimeoutMs: number;
  /** Largest HTTP request body and WebSocket message (larger: 413, or close 1009). @default 1 MiB */
  readonly maxBodyBytes: number;
  /** What one operation may ask for; all are checked before anything runs. */
  readonly limits: {
    /** Deepest selection nesting. @default 12 */
    readonly maxDepth: number;
    /** Aliases per operation. @default 30 */
    readonly maxAliases: number;
    /** Lexical tokens per document. @default 2000 */
    readonly maxTokens: number;
    /** Directives per operation. @default 20 */
    readonly maxDirectives: number;
    /** Rows an operation may ask for, first/last multiplied through nested connections. @default 100000 */
    readonly maxCost: number;
    /** Hide "Did you mean …?" suggestions, which reveal the schema. @default false (true in production) */
    readonly blockFieldSuggestions: boolean;
  };
  /** Serve GraphiQL to browsers at the GraphQL path. @default true (false in production) */
  readonly graphiql: boolean;
  /** Answer introspection queries. @default true (false in production) */
  readonly introspection: boolean;
  /**
   * Serve the schema as an Apollo Federation v2 subgraph: `User` and `Order` become entities
   * keyed by their global ID, with `_entities` and `_service` for a gateway (schema.federation.graphql). @default false
   */
  readonly federation: boolean;
  /** Development mode: masked errors may carry details for the developer. @default false (true in development) */
  readonly development: boolean;
  /** Origins allowed by CORS: "*", a list, or false for no CORS headers. @default false ("*" unless in production) */
  readonly corsOrigins: "*" | readonly string[] | false;
  /** Proxies whose X-Forwarded-For entries identify clients, counted from the right. @default 0 */
  readonly trustedProxyHops: number;
  /** Per-caller limits, per minute; a caller is its user, or its address when anonymous. */
  readonly rateLimits: {
    /** @default 30 */
    readonly placeOrderPerMinute: number;
    /** @default 10 */
    readonly createUserPerMinute: number;
    /** EMAIL_TAKEN answers must not be a fast oracle. @default 20 */
    readonly updateUserPerMinute: number;
  };
  /** Trusted documents (persisted operations); see src/transport/trusted-documents.ts. */
  readonly trustedDocuments: {
    /** A manifest of document ids to documents (graphql-codegen's persisted-documents.json); unset: none. @default undefined */
    readonly file: string | undefined;
    /** With a manifest, refuse documents sent as text. @default false (true in production) */
    readonly only: boolean;
  };
  /** Redis for events and rate limits across instances: one server, a Sentinel-watched master, or a Cluster; unset: in-process, one instance only. @default undefined */
  readonly redis: RedisServers | undefined;
  /** Prefix of Redis channels and keys; every instance on one outbox must share it. @default "ordergraph" */
  readonly channelPrefix: string;
  /** Subscriptions over WebSocket. */
  readonly subscriptions: {
    /** Subscriptions at once on one WebSocket (more: TOO_MANY_SUBSCRIPTIONS). @default 100 */
    readonly perConnection: number;
    /** Subscriptions at once for one user on this instance. @default 500 */
    readonly perUser: number;
    /** Bytes a WebSocket may hold unsent before it is closed as too slow (1013). @default 4 MiB */
    readonly maxUnsentBytesPerSocket: number;
    /** Bytes all WebSockets together may hold unsent; past it the fullest are closed. @default 256 MiB */
    readonly maxUnsentBytesTotal: number;
    /** How long a client has to send connection_init (then 4408). @default 3000 */
    readonly connectionInitWaitTimeoutMs: number;
    /** Interval of pings; a client that misses a pong is dropped. @default 12000 */
    readonly keepAliveMs: number;
  } & Partial<Pick<EventFeedDeps, "maxPendingEvents" | "maxStallMs">>;
  /** Outbox relay tuning; each default is in OutboxRelayTuning. */
  readonly relay: Partial<OutboxRelayTuning>;
  /** How long a graceful stop may take in all; in-flight requests are cut only when it runs out. @default 10000 */
  readonly shutdownTimeoutMs: number;
  /** On stop, keep serving this long with readiness at 503, so load balancers move away first. @default 0 (5000 in production) */
  readonly drainDelayMs: number;
}

/**
 * Where Redis is. Sentinel and Cluster nodes are found from the addresses given (any one that
 * answers is enough); a password given here is for the Redis servers, not for the sentinels.
 */
export type RedisServers =
  /** One server: redis://[user:password@]host:port[/db] (rediss:// for TLS). */
  | { readonly mode: "standalone"; readonly url: string }
  /** The master Sentinel knows as `masterName`, followed through failovers. */
  | ({ readonly mode: "sentinel"; readonly sentinels: readonly RedisAddress[]; readonly masterName: string } & RedisCredentials)
  /** A Redis Cluster (Redis 7 or newer: events use sharded pub/sub). */
  | ({ readonly mode: "cluster"; readonly nodes: readonly RedisAddress[] } & RedisCredentials);

export interface RedisAddress {
  readonly host: string;
  readonly port: number;
}

export interface RedisCredentials {
  readonly username?: string;
  readonly password?: string;
}

/** What a caller may override: any option, and any field of a group. */
export type OptionOverrides = { readonly [K in keyof Options]?: Options[K] extends WholeValue ? Options[K] : Partial<Options[K]> };

/** Values an override replaces whole: a Redis of another mode shares no fields with the one before. */
type WholeValue = readonly unknown[] | string | number | boolean | RedisServers | undefined;
const WHOLE_OBJECTS = new Set(["redis"]);

const DEFAULTS: Omit<Options, "poolQueueLimit"> = {
  host: "127.0.0.1",
  port: 4000,
  http: { requestTimeoutMs: 30_000, headersTimeoutMs: 10_000, keepAliveTimeoutMs: 5000, maxConnections: 20_000 },
  poolSize: 10,
  databaseReplicaUrls: [],
  connectTimeoutMs: 5000,
  migrate: true,
  operationTimeoutMs: 10_000,
  maxBodyBytes: MIB,
  limits: { maxDepth: 12, maxAliases: 30, maxTokens: 2000, maxDirectives: 20, maxCost: 100_000, blockFieldSuggestions: false },
  graphiql: true,
  introspection: true,
  federation: false,
  development: false,
  corsOrigins: false,
  trustedProxyHops: 0,
  rateLimits: { placeOrderPerMinute: 30, createUserPerMinute: 10, updateUserPerMinute: 20 },
  trustedDocuments: { file: undefined, only: false },
  redis: undefined,
  channelPrefix: "ordergraph",
  subscriptions: { perConnection: 100, perUser: 500, maxUnsentBytesPerSocket: 4 * MIB, maxUnsentBytesTotal: 256 * MIB, connectionInitWaitTimeoutMs: 3000, keepAliveMs: 12_000 },
  relay: {},
  shutdownTimeoutMs: 10_000,
  drainDelayMs: 0,
};

/**
 * What NODE_ENV changes: production hides the schema and developer aids, drains on stop, and
 * (when a trusted documents manifest is given) accepts only those documents;
 * everywhere else any origin may call (CORS "*"), and development attaches error details.
 */
export function profileDefaults(env: "development" | "production" | "test"): OptionOverrides {
  if (env === "production") return { graphiql: false, introspection: false, limits: { blockFieldSuggestions: true }, drainDelayMs: 5000, trustedDocuments: { only: true } };
  return { corsOrigins: "*", ...(env === "development" ? { development: true } : {}) };
}

/** The defaults, then each layer of overrides in turn (later wins; groups merge field by field). */
export function resolveOptions(...layers: OptionOverrides[]): Options {
  const merged: Record<string, unknown> = { ...DEFAULTS };
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer)) {
      // A misspelt or retired option would otherwise be ignored without a word.
      if (!(key in DEFAULTS) && key !== "poolQueueLimit") throw new TypeError(`Unknown option "${key}"`);
      if (value === undefined) continue;
      const current = merged[key];
      const merges = isGroup(current) && isGroup(value) && !WHOLE_OBJECTS.has(key);
      if (merges && key !== "relay") {
        for (const field of Object.keys(value)) if (!(field in current) && !FEED_TUNING.has(field)) throw new TypeError(`Unknown option "${key}.${field}"`);
      }
      merged[key] = merges ? { ...current, ...definedFields(value) } : value;
    }
  }
  const options = merged as unknown as Omit<Options, "poolQueueLimit"> & { poolQueueLimit?: number };
  return {
    ...options,
    poolQueueLimit: options.poolQueueLimit ?? 2 * options.poolSize,
    http: { ...options.http, headersTimeoutMs: Math.min(options.http.headersTimeoutMs, options.http.requestTimeoutMs) },
  };
}

/** Fields of `subscriptions` the event feed defaults itself. */
const FEED_TUNING = new Set(["maxPendingEvents", "maxStallMs"]);

/** An unset field (undefined) overrides nothing. */
const definedFields = (group: Record<string, unknown>) => Object.fromEntries(Object.entries(group).filter(([, value]) => value !== undefined));

const isGroup = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);
