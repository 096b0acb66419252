/**
 * The environment, parsed and validated once at startup. A bad value stops the process with a
 * message naming the variable and how to fix it.
 */
import { z } from "zod";
import { profileDefaults, resolveOptions, type Options, type RedisAddress, type RedisServers } from "./options.ts";

const bool = (name: string) =>
  z
    .enum(["true", "false", "1", "0"], { error: `${name} must be true or false` })
    .transform((value) => value === "true" || value === "1");

const int = (name: string, min: number, max: number) =>
  z.coerce
    .number({ error: `${name} must be a whole number` })
    .int({ error: `${name} must be a whole number` })
    .min(min, { error: `${name} must be at least ${min}` })
    .max(max, { error: `${name} must be at most ${max}` });

const postgresUrl = z
  .url({ error: "DATABASE_URL must be a URL like postgres://user:password@host:5432/database" })
  .refine((url) => /^postgres(ql)?:\/\//.test(url), { error: "DATABASE_URL must start with postgres:// or postgresql://" });

/** "host:port,host:port" ([v6 address]:port too): where Sentinels or Cluster nodes are. */
const redisAddresses = (name: string, example: string) =>
  z.string().transform((value, context): RedisAddress[] => {
    const addresses = value.split(",").map((entry) => /^(?:\[([0-9A-Fa-f:.]+)\]|([^\s:,[\]]+)):(\d{1,5})$/.exec(entry.trim()));
    const bad = addresses.findIndex((match) => match === null || Number(match[3]) < 1 || Number(match[3]) > 65_535);
    if (bad !== -1) {
      context.addIssue({ code: "custom", message: `${name} must be a comma-separated list of host:port, like ${example}` });
      return z.NEVER;
    }
    return addresses.map((match) => ({ host: match![1] ?? match![2]!, port: Number(match![3]) }));
  });

const ConfigSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"], { error: "NODE_ENV must be development, production or test" }).default("development"),
  HOST: z.string().min(1, { error: "HOST must not be empty" }).optional(),
  PORT: int("PORT", 0, 65_535).optional(),
  LOG_LEVEL: z
    .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"], { error: "LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent" })
    .default("info"),
  LOG_FORMAT: z.enum(["json", "pretty"], { error: "LOG_FORMAT must be json or pretty" }).optional(),
  DATABASE_URL: postgresUrl.optional(),
  DATABASE_REPLICA_URLS: z
    .string()
    .transform((list) => list.split(",").map((url) => url.trim()).filter(Boolean))
    .pipe(
      z.array(
        z
          .url({ error: "DATABASE_REPLICA_URLS must be comma-separated URLs like postgres://user:password@replica:5432/database" })
          .refine((url) => /^postgres(ql)?:\/\//.test(url), { error: "DATABASE_REPLICA_URLS must hold postgres:// or postgresql:// URLs" }),
      ),
    )
    .optional(),
  DATABASE_POOL_SIZE: int("DATABASE_POOL_SIZE", 1, 1000).optional(),
  DATABASE_CONNECT_TIMEOUT_MS: int("DATABASE_CONNECT_TIMEOUT_MS", 100, 600_000).optional(),
  DATABASE_QUEUE_LIMIT: int("DATABASE_QUEUE_LIMIT", 0, 100_000).optional(),
  MIGRATE_ON_START: bool("MIGRATE_ON_START").optional(),
  EMBEDDED_POSTGRES_DIR: z.string().min(1).default(".data/postgres"),
  EMBEDDED_POSTGRES_PORT: int("EMBEDDED_POSTGRES_PORT", 1, 65_535).default(54_329),
  GRAPHIQL: bool("GRAPHIQL").optional(),
  REDIS_URL: z
    .url({ error: "REDIS_URL must be a URL like redis://127.0.0.1:6379" })
    .refine((url) => /^rediss?:\/\//.test(url), { error: "REDIS_URL must start with redis:// or rediss://" })
    .optional(),
  REDIS_SENTINELS: redisAddresses("REDIS_SENTINELS", "10.0.0.1:26379,10.0.0.2:26379,10.0.0.3:26379").optional(),
  REDIS_SENTINEL_NAME: z.string().regex(/^[^\s]{1,128}$/, { error: "REDIS_SENTINEL_NAME must be the name Sentinel monitors the master by (sentinel monitor <name> …), like mymaster" }).optional(),
  REDIS_CLUSTER_NODES: redisAddresses("REDIS_CLUSTER_NODES", "10.0.0.1:6379,10.0.0.2:6379,10.0.0.3:6379").optional(),
  REDIS_USERNAME: z.string().min(1).optional(),
  REDIS_PASSWORD: z.string().min(1).optional(),
  REDIS_CHANNEL_PREFIX: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, { error: "REDIS_CHANNEL_PREFIX must be 1-64 letters, digits, _ . or -" }).optional(),
  TRUSTED_DOCUMENTS_FILE: z.string().min(1).optional(),
  TRUSTED_DOCUMENTS_ONLY: bool("TRUSTED_DOCUMENTS_ONLY").optional(),
  OUTBOX_RETENTION_HOURS: int("OUTBOX_RETENTION_HOURS", 1, 24 * 365).optional(),
  INTROSPECTION: bool("INTROSPECTION").optional(),
  FEDERATION: bool("FEDERATION").optional(),
  CORS_ORIGINS: z
    .string()
    .regex(/^(\*|none|https?:\/\/[^\s,]+(,https?:\/\/[^\s,]+)*)$/, { error: 'CORS_ORIGINS must be "*", "none", or a comma-separated list of origins like https://app.example.com' })
    .optional(),
  MAX_DEPTH: int("MAX_DEPTH", 1, 1000).optional(),
  MAX_ALIASES: int("MAX_ALIASES", 0, 10_000).optional(),
  MAX_TOKENS: int("MAX_TOKENS", 10, 1_000_000).optional(),
  MAX_DIRECTIVES: int("MAX_DIRECTIVES", 0, 10_000).optional(),
  MAX_COST: int("MAX_COST", 1, 100_000_000).optional(),
  MAX_BODY_BYTES: int("MAX_BODY_BYTES", 1024, 100 * 1024 * 1024).optional(),
  OPERATION_TIMEOUT_MS: int("OPERATION_TIMEOUT_MS", 100, 600_000).optional(),
  AUTH_JWT_SECRET: z
    .string()
    .refine((secret) => Buffer.byteLength(secret) >= 32, { error: "AUTH_JWT_SECRET must be at least 32 bytes (e.g. openssl rand -base64 48)" })
    .optional(),
  AUTH_JWT_PUBLIC_KEY: z.string().includes("BEGIN PUBLIC KEY", { error: "AUTH_JWT_PUBLIC_KEY must be a PEM public key (-----BEGIN PUBLIC KEY-----)" }).optional(),
  AUTH_JWT_PUBLIC_KEY_ALGORITHM: z.enum(["RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA"], { error: "AUTH_JWT_PUBLIC_KEY_ALGORITHM must be RS256, RS384, RS512, PS256, ES256, ES384 or EdDSA" }).default("RS256"),
  AUTH_JWKS_FILE: z.string().min(1).optional(),
  AUTH_JWT_ISSUER: z.string().min(1).optional(),
  AUTH_JWT_AUDIENCE: z.string().min(1).optional(),
  RATE_LIMIT_PLACE_ORDER_PER_MINUTE: int("RATE_LIMIT_PLACE_ORDER_PER_MINUTE", 1, 1_000_000).optional(),
  RATE_LIMIT_CREATE_USER_PER_MINUTE: int("RATE_LIMIT_CREATE_USER_PER_MINUTE", 1, 1_000_000).optional(),
  RATE_LIMIT_UPDATE_USER_PER_MINUTE: int("RATE_LIMIT_UPDATE_USER_PER_MINUTE", 1, 1_000_000).optional(),
  TRUSTED_PROXY_HOPS: int("TRUSTED_PROXY_HOPS", 0, 10).optional(),
  MAX_SUBSCRIPTIONS_PER_CONNECTION: int("MAX_SUBSCRIPTIONS_PER_CONNECTION", 1, 100_000).optional(),
  MAX_SUBSCRIPTIONS_PER_USER: int("MAX_SUBSCRIPTIONS_PER_USER", 1, 1_000_000).optional(),
  HTTP_REQUEST_TIMEOUT_MS: int("HTTP_REQUEST_TIMEOUT_MS", 1000, 3_600_000).optional(),
  HTTP_HEADERS_TIMEOUT_MS: int("HTTP_HEADERS_TIMEOUT_MS", 1000, 3_600_000).optional(),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: int("HTTP_KEEP_ALIVE_TIMEOUT_MS", 0, 3_600_000).optional(),
  HTTP_MAX_CONNECTIONS: int("HTTP_MAX_CONNECTIONS", 1, 1_000_000).optional(),
  SHUTDOWN_TIMEOUT_MS: int("SHUTDOWN_TIMEOUT_MS", 0, 600_000).optional(),
  SHUTDOWN_DRAIN_DELAY_MS: int("SHUTDOWN_DRAIN_DELAY_MS", 0, 600_000).optional(),
});

export interface Config {
  readonly env: "development" | "production" | "test";
  readonly logLevel: string;
  /** JSON lines, or readable lines for a terminal (default: pretty in development, else json). */
  readonly logFormat: "json" | "pretty";
  /** Unset: run an embedded PostgreSQL. */
  readonly databaseUrl: string | undefined;
  readonly embeddedPostgres: { readonly dir: string; readonly port: number };
  /** How tokens are verified; `undefined` in development without settings (a local dev secret is used). */
  readonly auth:
    | { secret?: string; publicKeyPem?: string; publicKeyAlgorithm?: string; jwksFile?: string; issuer?: string; audience?: string }
    | undefined;
  /** Every option (options.ts): its default, then NODE_ENV's profile, then the environment. */
  readonly options: Options;
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/** Parses the environment; throws a `ConfigError` listing every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable counts as unset, as in most shells' `VAR= command`.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ""));
  const parsed = ConfigSchema.safeParse(present);
  if (!parsed.success) {
    // One line per variable (its first problem), never echoing a secret or a URL's password.
    const firstIssues = new Map<string, string>();
    for (const issue of parsed.error.issues) {
      const name = String(issue.path[0] ?? "?");
      if (!firstIssues.has(name)) firstIssues.set(name, issue.message);
    }
    const lines = [...firstIssues].map(([name, message]) => `  ${name}${shownValue(name, env[name])}: ${message}`);
    throw new ConfigError(`Invalid configuration; fix these environment variables:\n${lines.join("\n")}`);
  }
  const c = parsed.data;
  const verification = c.AUTH_JWT_SECRET || c.AUTH_JWT_PUBLIC_KEY || c.AUTH_JWKS_FILE;
  if (!verification && c.NODE_ENV === "production") {
    throw new ConfigError(
      "Invalid configuration; fix these environment variables:\n  AUTH_JWT_SECRET=\"\": set a secret of at least 32 bytes to verify HS256 tokens, or AUTH_JWT_PUBLIC_KEY / AUTH_JWKS_FILE for asymmetric ones (required in production)",
    );
  }
  const options = resolveOptions(profileDefaults(c.NODE_ENV), {
    host: c.HOST,
    port: c.PORT,
    http: {
      requestTimeoutMs: c.HTTP_REQUEST_TIMEOUT_MS,
      headersTimeoutMs: c.HTTP_HEADERS_TIMEOUT_MS,
      keepAliveTimeoutMs: c.HTTP_KEEP_ALIVE_TIMEOUT_MS,
      maxConnections: c.HTTP_MAX_CONNECTIONS,
    },
    poolSize: c.DATABASE_POOL_SIZE,
    databaseReplicaUrls: c.DATABASE_REPLICA_URLS,
    connectTimeoutMs: c.DATABASE_CONNECT_TIMEOUT_MS,
    poolQueueLimit: c.DATABASE_QUEUE_LIMIT,
    migrate: c.MIGRATE_ON_START,
    operationTimeoutMs: c.OPERATION_TIMEOUT_MS,
    maxBodyBytes: c.MAX_BODY_BYTES,
    limits: { maxDepth: c.MAX_DEPTH, maxAliases: c.MAX_ALIASES, maxTokens: c.MAX_TOKENS, maxDirectives: c.MAX_DIRECTIVES, maxCost: c.MAX_COST },
    graphiql: c.GRAPHIQL,
    introspection: c.INTROSPECTION,
    federation: c.FEDERATION,
    corsOrigins: c.CORS_ORIGINS === undefined ? undefined : corsOrigins(c.CORS_ORIGINS),
    trustedProxyHops: c.TRUSTED_PROXY_HOPS,
    rateLimits: {
      placeOrderPerMinute: c.RATE_LIMIT_PLACE_ORDER_PER_MINUTE,
      createUserPerMinute: c.RATE_LIMIT_CREATE_USER_PER_MINUTE,
      updateUserPerMinute: c.RATE_LIMIT_UPDATE_USER_PER_MINUTE,
    },
    trustedDocuments: { file: c.TRUSTED_DOCUMENTS_FILE, only: c.TRUSTED_DOCUMENTS_ONLY },
    redis: redisServers(c),
    channelPrefix: c.REDIS_CHANNEL_PREFIX,
    subscriptions: { perConnection: c.MAX_SUBSCRIPTIONS_PER_CONNECTION, perUser: c.MAX_SUBSCRIPTIONS_PER_USER },
    relay: c.OUTBOX_RETENTION_HOURS === undefined ? {} : { retentionMs: c.OUTBOX_RETENTION_HOURS * 3_600_000 },
    shutdownTimeoutMs: c.SHUTDOWN_TIMEOUT_MS,
    drainDelayMs: c.SHUTDOWN_DRAIN_DELAY_MS,
  });
  if (c.TRUSTED_DOCUMENTS_ONLY === true && options.trustedDocuments.file === undefined) {
    throw new ConfigError(
      "Invalid configuration; fix these environment variables:\n  TRUSTED_DOCUMENTS_ONLY=true needs TRUSTED_DOCUMENTS_FILE: set the manifest of the documents to accept, or unset TRUSTED_DOCUMENTS_ONLY",
    );
  }
  if (options.federation && options.trustedDocuments.only && options.trustedDocuments.file !== undefined) {
    // A gateway's query planner writes the documents a subgraph gets, not the clients' manifest.
    const which = c.TRUSTED_DOCUMENTS_ONLY === undefined ? "production's default TRUSTED_DOCUMENTS_ONLY=true" : "TRUSTED_DOCUMENTS_ONLY=true";
    throw new ConfigError(
      `Invalid configuration; fix these environment variables:\n  FEDERATION=true with ${which}: a gateway sends the documents its query planner writes, not your clients' trusted ones, so every one would be refused; set TRUSTED_DOCUMENTS_ONLY=false and accept only trusted documents at the gateway instead`,
    );
  }
  if (options.drainDelayMs > 0 && options.drainDelayMs > options.shutdownTimeoutMs - 2000) {
    const which = c.SHUTDOWN_DRAIN_DELAY_MS === undefined ? `the production default of ${options.drainDelayMs}` : String(options.drainDelayMs);
    throw new ConfigError(
      `Invalid configuration; fix these environment variables:\n  SHUTDOWN_DRAIN_DELAY_MS (${which}) must be at least 2000 ms shorter than SHUTDOWN_TIMEOUT_MS (${options.shutdownTimeoutMs}), so in-flight work can finish after the drain: raise SHUTDOWN_TIMEOUT_MS or lower SHUTDOWN_DRAIN_DELAY_MS`,
    );
  }
  return {
    env: c.NODE_ENV,
    logLevel: c.LOG_LEVEL,
    logFormat: c.LOG_FORMAT ?? (c.NODE_ENV === "development" ? "pretty" : "json"),
    databaseUrl: c.DATABASE_URL,
    embeddedPostgres: { dir: c.EMBEDDED_POSTGRES_DIR, port: c.EMBEDDED_POSTGRES_PORT },
    auth: verification
      ? {
          secret: c.AUTH_JWT_SECRET,
          publicKeyPem: c.AUTH_JWT_PUBLIC_KEY,
          publicKeyAlgorithm: c.AUTH_JWT_PUBLIC_KEY_ALGORITHM,
          jwksFile: c.AUTH_JWKS_FILE,
          issuer: c.AUTH_JWT_ISSUER,
          audience: c.AUTH_JWT_AUDIENCE,
        }
      : undefined,
    options,
  };
}
/**
 * Which Redis, from the one mode set: REDIS_URL (one server), REDIS_SENTINELS with
 * REDIS_SENTINEL_NAME, or REDIS_CLUSTER_NODES; credentials for the last two apart (a URL carries its own).
 */
function redisServers(c: z.infer<typeof ConfigSchema>): RedisServers | undefined {
  const modes = (["REDIS_URL", "REDIS_SENTINELS", "REDIS_CLUSTER_NODES"] as const).filter((name) => c[name] !== undefined);
  const problems: string[] = [];
  if (modes.length > 1) {
    problems.push(`${modes.join(", ")}: set only one: REDIS_URL for one server, REDIS_SENTINELS (with REDIS_SENTINEL_NAME) for Sentinel, or REDIS_CLUSTER_NODES for a Cluster`);
  }
  if (c.REDIS_SENTINELS && !c.REDIS_SENTINEL_NAME) problems.push("REDIS_SENTINEL_NAME: set the name Sentinel monitors the master by (sentinel monitor <name> …), like mymaster; REDIS_SENTINELS needs it");
  if (c.REDIS_SENTINEL_NAME && !c.REDIS_SENTINELS) problems.push("REDIS_SENTINEL_NAME needs REDIS_SENTINELS: set the sentinels' addresses, or unset REDIS_SENTINEL_NAME");
  if ((c.REDIS_USERNAME || c.REDIS_PASSWORD) && !c.REDIS_SENTINELS && !c.REDIS_CLUSTER_NODES) {
    problems.push(`${c.REDIS_USERNAME ? "REDIS_USERNAME" : "REDIS_PASSWORD"} is for REDIS_SENTINELS or REDIS_CLUSTER_NODES: ${c.REDIS_URL ? "put the credentials in REDIS_URL (redis://user:password@host:6379)" : "set one of them, or unset it"}`);
  }
  if (c.REDIS_USERNAME && !c.REDIS_PASSWORD) problems.push("REDIS_USERNAME needs REDIS_PASSWORD: set the user's password");
  if (problems.length > 0) throw new ConfigError(`Invalid configuration; fix these environment variables:\n${problems.map((problem) => `  ${problem}`).join("\n")}`);
  const credentials = { username: c.REDIS_USERNAME, password: c.REDIS_PASSWORD };
  if (c.REDIS_URL) return { mode: "standalone", url: c.REDIS_URL };
  if (c.REDIS_SENTINELS) return { mode: "sentinel", sentinels: c.REDIS_SENTINELS, masterName: c.REDIS_SENTINEL_NAME!, ...credentials };
  if (c.REDIS_CLUSTER_NODES) return { mode: "cluster", nodes: c.REDIS_CLUSTER_NODES, ...credentials };
  return undefined;
}

const SECRETS = new Set(["AUTH_JWT_SECRET", "AUTH_JWT_PUBLIC_KEY", "REDIS_PASSWORD"]);
const URLS = new Set(["DATABASE_URL", "REDIS_URL"]);

/** How a bad value is shown in an error: secrets not at all, URLs without their password. */
function shownValue(name: string, value: string | undefined): string {
  if (value === undefined || SECRETS.has(name)) return "";
  if (!URLS.has(name)) return `=${JSON.stringify(value)}`;
  try {
    const url = new URL(value);
    if (url.password) url.password = "***";
    return `=${JSON.stringify(url.toString())}`;
  } catch {
    return " (not a URL; value not shown)";
  }
}

const corsOrigins = (value: string): "*" | readonly string[] | false => (value === "*" ? "*" : value === "none" ? false : value.split(","));
