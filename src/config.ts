/**
 * The environment, parsed and validated once at startup. A bad value stops the process with a
 * message naming the variable and how to fix it.
 */
import { z } from "zod";

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

const ConfigSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"], { error: "NODE_ENV must be development, production or test" }).default("development"),
  HOST: z.string().min(1, { error: "HOST must not be empty" }).default("127.0.0.1"),
  PORT: int("PORT", 0, 65_535).default(4000),
  LOG_LEVEL: z
    .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"], { error: "LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent" })
    .default("info"),
  LOG_FORMAT: z.enum(["json", "pretty"], { error: "LOG_FORMAT must be json or pretty" }).optional(),
  DATABASE_URL: postgresUrl.optional(),
  DATABASE_POOL_SIZE: int("DATABASE_POOL_SIZE", 1, 1000).default(10),
  DATABASE_CONNECT_TIMEOUT_MS: int("DATABASE_CONNECT_TIMEOUT_MS", 100, 600_000).default(5000),
  DATABASE_QUEUE_LIMIT: int("DATABASE_QUEUE_LIMIT", 0, 100_000).optional(),
  MIGRATE_ON_START: bool("MIGRATE_ON_START").default(true),
  EMBEDDED_POSTGRES_DIR: z.string().min(1).default(".data/postgres"),
  EMBEDDED_POSTGRES_PORT: int("EMBEDDED_POSTGRES_PORT", 1, 65_535).default(54_329),
  GRAPHIQL: bool("GRAPHIQL").optional(),
  REDIS_URL: z
    .url({ error: "REDIS_URL must be a URL like redis://127.0.0.1:6379" })
    .refine((url) => /^rediss?:\/\//.test(url), { error: "REDIS_URL must start with redis:// or rediss://" })
    .optional(),
  REDIS_CHANNEL_PREFIX: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, { error: "REDIS_CHANNEL_PREFIX must be 1-64 letters, digits, _ . or -" }).default("ordergraph"),
  OUTBOX_RETENTION_HOURS: int("OUTBOX_RETENTION_HOURS", 1, 24 * 365).default(24),
  INTROSPECTION: bool("INTROSPECTION").optional(),
  CORS_ORIGINS: z
    .string()
    .regex(/^(\*|none|https?:\/\/[^\s,]+(,https?:\/\/[^\s,]+)*)$/, { error: 'CORS_ORIGINS must be "*", "none", or a comma-separated list of origins like https://app.example.com' })
    .optional(),
  MAX_DEPTH: int("MAX_DEPTH", 1, 1000).default(12),
  MAX_ALIASES: int("MAX_ALIASES", 0, 10_000).default(30),
  MAX_TOKENS: int("MAX_TOKENS", 10, 1_000_000).default(2000),
  MAX_DIRECTIVES: int("MAX_DIRECTIVES", 0, 10_000).default(20),
  MAX_COST: int("MAX_COST", 1, 100_000_000).default(100_000),
  MAX_BODY_BYTES: int("MAX_BODY_BYTES", 1024, 100 * 1024 * 1024).default(1024 * 1024),
  OPERATION_TIMEOUT_MS: int("OPERATION_TIMEOUT_MS", 100, 600_000).default(10_000),
  AUTH_JWT_SECRET: z
    .string()
    .refine((secret) => Buffer.byteLength(secret) >= 32, { error: "AUTH_JWT_SECRET must be at least 32 bytes (e.g. openssl rand -base64 48)" })
    .optional(),
  AUTH_JWT_PUBLIC_KEY: z.string().includes("BEGIN PUBLIC KEY", { error: "AUTH_JWT_PUBLIC_KEY must be a PEM public key (-----BEGIN PUBLIC KEY-----)" }).optional(),
  AUTH_JWT_PUBLIC_KEY_ALGORITHM: z.enum(["RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA"], { error: "AUTH_JWT_PUBLIC_KEY_ALGORITHM must be RS256, RS384, RS512, PS256, ES256, ES384 or EdDSA" }).default("RS256"),
  AUTH_JWKS_FILE: z.string().min(1).optional(),
  AUTH_JWT_ISSUER: z.string().min(1).optional(),
  AUTH_JWT_AUDIENCE: z.string().min(1).optional(),
  RATE_LIMIT_PLACE_ORDER_PER_MINUTE: int("RATE_LIMIT_PLACE_ORDER_PER_MINUTE", 1, 1_000_000).default(30),
  RATE_LIMIT_CREATE_USER_PER_MINUTE: int("RATE_LIMIT_CREATE_USER_PER_MINUTE", 1, 1_000_000).default(10),
  RATE_LIMIT_UPDATE_USER_PER_MINUTE: int("RATE_LIMIT_UPDATE_USER_PER_MINUTE", 1, 1_000_000).default(20),
  TRUSTED_PROXY_HOPS: int("TRUSTED_PROXY_HOPS", 0, 10).default(0),
  MAX_SUBSCRIPTIONS_PER_CONNECTION: int("MAX_SUBSCRIPTIONS_PER_CONNECTION", 1, 100_000).default(100),
  MAX_SUBSCRIPTIONS_PER_USER: int("MAX_SUBSCRIPTIONS_PER_USER", 1, 1_000_000).default(500),
  HTTP_REQUEST_TIMEOUT_MS: int("HTTP_REQUEST_TIMEOUT_MS", 1000, 3_600_000).default(30_000),
  HTTP_HEADERS_TIMEOUT_MS: int("HTTP_HEADERS_TIMEOUT_MS", 1000, 3_600_000).default(10_000),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: int("HTTP_KEEP_ALIVE_TIMEOUT_MS", 0, 3_600_000).default(5000),
  HTTP_MAX_CONNECTIONS: int("HTTP_MAX_CONNECTIONS", 1, 1_000_000).default(20_000),
  SHUTDOWN_TIMEOUT_MS: int("SHUTDOWN_TIMEOUT_MS", 0, 600_000).default(10_000),
  SHUTDOWN_DRAIN_DELAY_MS: int("SHUTDOWN_DRAIN_DELAY_MS", 0, 600_000).optional(),
});

export interface Config {
  readonly env: "development" | "production" | "test";
  readonly host: string;
  readonly port: number;
  readonly logLevel: string;
  /** JSON lines, or readable lines for a terminal (default: pretty in development, else json). */
  readonly logFormat: "json" | "pretty";
  /** Unset: run an embedded PostgreSQL. */
  readonly databaseUrl: string | undefined;
  readonly databasePoolSize: number;
  /** Longest wait to open a database connection, or for a free one from the pool. */
  readonly databaseConnectTimeoutMs: number;
  /** Operations that may wait for a pool connection at once (default 2 × pool size). */
  readonly databaseQueueLimit: number;
  /** Request, header and keep-alive timeouts and the connection cap of the HTTP server. */
  readonly http: { requestTimeoutMs: number; headersTimeoutMs: number; keepAliveTimeoutMs: number; maxConnections: number };
  readonly migrateOnStart: boolean;
  readonly embeddedPostgres: { readonly dir: string; readonly port: number };
  readonly graphiql: boolean;
  readonly shutdownTimeoutMs: number;
  /** After SIGTERM, keep serving this long with readiness at 503 (default: 5000 in production, else 0). */
  readonly shutdownDrainDelayMs: number;
  /** Unset: subscriptions are single-instance (in-process event bus). */
  readonly redisUrl: string | undefined;
  readonly redisChannelPrefix: string;
  /** How long published events are kept for subscription replays. */
  readonly outboxRetentionHours: number;
  /** Answer introspection (default: not in production). */
  readonly introspection: boolean;
  /** CORS: any origin, these origins, or none (default: any in development, none in production). */
  readonly corsOrigins: "*" | readonly string[] | false;
  readonly limits: { maxDepth: number; maxAliases: number; maxTokens: number; maxDirectives: number; maxCost: number; blockFieldSuggestions: boolean };
  readonly maxBodyBytes: number;
  /** Subscriptions at once on one WebSocket, and for one user on one instance. */
  readonly subscriptionLimits: { readonly perConnection: number; readonly perUser: number };
  readonly operationTimeoutMs: number;
  /** How tokens are verified; `undefined` in development without settings (a local dev secret is used). */
  readonly auth:
    | { secret?: string; publicKeyPem?: string; publicKeyAlgorithm?: string; jwksFile?: string; issuer?: string; audience?: string }
    | undefined;
  readonly rateLimits: { placeOrderPerMinute: number; createUserPerMinute: number; updateUserPerMinute: number };
  /** Proxies whose X-Forwarded-For entries identify clients, counted from the right. */
  readonly trustedProxyHops: number;
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
  const shutdownDrainDelayMs = c.SHUTDOWN_DRAIN_DELAY_MS ?? (c.NODE_ENV === "production" ? 5000 : 0);
  if (shutdownDrainDelayMs > 0 && shutdownDrainDelayMs > c.SHUTDOWN_TIMEOUT_MS - 2000) {
    const which = c.SHUTDOWN_DRAIN_DELAY_MS === undefined ? `the production default of ${shutdownDrainDelayMs}` : String(shutdownDrainDelayMs);
    throw new ConfigError(
      `Invalid configuration; fix these environment variables:\n  SHUTDOWN_DRAIN_DELAY_MS (${which}) must be at least 2000 ms shorter than SHUTDOWN_TIMEOUT_MS (${c.SHUTDOWN_TIMEOUT_MS}), so in-flight work can finish after the drain: raise SHUTDOWN_TIMEOUT_MS or lower SHUTDOWN_DRAIN_DELAY_MS`,
    );
  }
  return {
    env: c.NODE_ENV,
    host: c.HOST,
    port: c.PORT,
    logLevel: c.LOG_LEVEL,
    logFormat: c.LOG_FORMAT ?? (c.NODE_ENV === "development" ? "pretty" : "json"),
    databaseUrl: c.DATABASE_URL,
    databasePoolSize: c.DATABASE_POOL_SIZE,
    databaseConnectTimeoutMs: c.DATABASE_CONNECT_TIMEOUT_MS,
    databaseQueueLimit: c.DATABASE_QUEUE_LIMIT ?? 2 * c.DATABASE_POOL_SIZE,
    http: {
      requestTimeoutMs: c.HTTP_REQUEST_TIMEOUT_MS,
      headersTimeoutMs: Math.min(c.HTTP_HEADERS_TIMEOUT_MS, c.HTTP_REQUEST_TIMEOUT_MS),
      keepAliveTimeoutMs: c.HTTP_KEEP_ALIVE_TIMEOUT_MS,
      maxConnections: c.HTTP_MAX_CONNECTIONS,
    },
    migrateOnStart: c.MIGRATE_ON_START,
    embeddedPostgres: { dir: c.EMBEDDED_POSTGRES_DIR, port: c.EMBEDDED_POSTGRES_PORT },
    graphiql: c.GRAPHIQL ?? c.NODE_ENV !== "production",
    shutdownTimeoutMs: c.SHUTDOWN_TIMEOUT_MS,
    shutdownDrainDelayMs,
    redisUrl: c.REDIS_URL,
    redisChannelPrefix: c.REDIS_CHANNEL_PREFIX,
    outboxRetentionHours: c.OUTBOX_RETENTION_HOURS,
    introspection: c.INTROSPECTION ?? c.NODE_ENV !== "production",
    corsOrigins: corsOrigins(c.CORS_ORIGINS ?? (c.NODE_ENV === "production" ? "none" : "*")),
    limits: {
      maxDepth: c.MAX_DEPTH,
      maxAliases: c.MAX_ALIASES,
      maxTokens: c.MAX_TOKENS,
      maxDirectives: c.MAX_DIRECTIVES,
      maxCost: c.MAX_COST,
      blockFieldSuggestions: c.NODE_ENV === "production",
    },
    maxBodyBytes: c.MAX_BODY_BYTES,
    subscriptionLimits: { perConnection: c.MAX_SUBSCRIPTIONS_PER_CONNECTION, perUser: c.MAX_SUBSCRIPTIONS_PER_USER },
    operationTimeoutMs: c.OPERATION_TIMEOUT_MS,
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
    rateLimits: {
      placeOrderPerMinute: c.RATE_LIMIT_PLACE_ORDER_PER_MINUTE,
      createUserPerMinute: c.RATE_LIMIT_CREATE_USER_PER_MINUTE,
      updateUserPerMinute: c.RATE_LIMIT_UPDATE_USER_PER_MINUTE,
    },
    trustedProxyHops: c.TRUSTED_PROXY_HOPS,
  };
}

const SECRETS = new Set(["AUTH_JWT_SECRET", "AUTH_JWT_PUBLIC_KEY"]);
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
