/** Configuration errors: one line per mistake, naming the variable, never echoing a secret. */
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.ts";

const errorOf = (env: Record<string, string>): string => {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error("expected a configuration error");
};

describe("configuration errors", () => {
  it("never print a secret", () => {
    const message = errorOf({ AUTH_JWT_SECRET: "this-is-my-real-prod-secret-31b" });
    expect(message).toMatch(/AUTH_JWT_SECRET: AUTH_JWT_SECRET must be at least 32 bytes/);
    expect(message).not.toContain("this-is-my-real-prod-secret");
  });

  it("never print a URL's password, and say one thing per mistake", () => {
    const wrongScheme = errorOf({ DATABASE_URL: "mysql://app:S3cretPassw0rd@db.example.com/app" });
    expect(wrongScheme).not.toContain("S3cretPassw0rd");
    expect(wrongScheme).toContain('DATABASE_URL="mysql://app:***@db.example.com/app"');
    const garbage = errorOf({ DATABASE_URL: "garbage" });
    expect(garbage.split("\n").filter((line) => line.includes("DATABASE_URL"))).toHaveLength(1);
    expect(errorOf({ REDIS_URL: "redis://:hunter2hunter2@cache:6379/0x" , PORT: "x" })).not.toContain("hunter2");
  });

  it("names every bad variable, each once", () => {
    const lines = errorOf({ PORT: "-1", LOG_LEVEL: "loud", MAX_DEPTH: "deep" }).split("\n").slice(1);
    expect(lines.map((line) => line.trim().split(/[=:]/)[0])).toEqual(["PORT", "LOG_LEVEL", "MAX_DEPTH"]);
  });
});

describe("what errors may log", () => {
  it("redacts emails and quoted values, but leaves stack frames' paths readable", async () => {
    const { scrub } = await import("../../src/observability/safe-error.ts");
    expect(scrub(`duplicate key value ada@example.com violates 'users_email' (Key (email)=(ada@example.com))`)).not.toContain("ada@example.com");
    const frame = "    at run (/app/node_modules/.pnpm/pkg@1.2.3/node_modules/pkg/dist/index.js:6:16)";
    expect(scrub(frame)).toBe(frame);
  });
});

describe("options: declared once, then the profile, then the environment", () => {
  it("an empty environment gives every default, with nothing left unset", () => {
    const { options } = loadConfig({});
    expect(options.rateLimits).toEqual({ placeOrderPerMinute: 30, createUserPerMinute: 10, updateUserPerMinute: 20 });
    expect(options.limits).toMatchObject({ maxDepth: 12, maxCost: 100_000, blockFieldSuggestions: false });
    expect(options.subscriptions).toMatchObject({ perConnection: 100, perUser: 500 });
    expect(options.poolQueueLimit).toBe(2 * options.poolSize);
    expect(options.corsOrigins).toBe("*"); // development's profile
    const undefinedPaths = Object.entries(options).flatMap(([key, value]) =>
      value && typeof value === "object" && !Array.isArray(value)
        ? Object.entries(value).filter(([, field]) => field === undefined).map(([field]) => `${key}.${field}`)
        : value === undefined && key !== "redis" ? [key] : [],
    );
    expect(undefinedPaths).toEqual(["trustedDocuments.file"]); // unset: no manifest
  });

  it("production's profile hides the schema; a variable overrides one field of a group and keeps the rest", () => {
    const { options } = loadConfig({ NODE_ENV: "production", AUTH_JWT_SECRET: "x".repeat(32), MAX_DEPTH: "5", DATABASE_POOL_SIZE: "4", RATE_LIMIT_CREATE_USER_PER_MINUTE: "3" });
    expect(options).toMatchObject({ graphiql: false, introspection: false, corsOrigins: false, drainDelayMs: 5000, poolSize: 4, poolQueueLimit: 8 });
    expect(options.limits).toMatchObject({ maxDepth: 5, maxAliases: 30, blockFieldSuggestions: true });
    expect(options.rateLimits).toEqual({ placeOrderPerMinute: 30, createUserPerMinute: 3, updateUserPerMinute: 20 });
  });
});

describe("options: each NODE_ENV profile in full", () => {
  const profile = (NODE_ENV: string) => {
    const { options } = loadConfig({ NODE_ENV, ...(NODE_ENV === "production" ? { AUTH_JWT_SECRET: "x".repeat(32) } : {}) });
    return { graphiql: options.graphiql, introspection: options.introspection, development: options.development, corsOrigins: options.corsOrigins, drainDelayMs: options.drainDelayMs, blockFieldSuggestions: options.limits.blockFieldSuggestions };
  };
  it("development, test and production", () => {
    expect(profile("development")).toEqual({ graphiql: true, introspection: true, development: true, corsOrigins: "*", drainDelayMs: 0, blockFieldSuggestions: false });
    expect(profile("test")).toEqual({ graphiql: true, introspection: true, development: false, corsOrigins: "*", drainDelayMs: 0, blockFieldSuggestions: false });
    expect(profile("production")).toEqual({ graphiql: false, introspection: false, development: false, corsOrigins: false, drainDelayMs: 5000, blockFieldSuggestions: true });
  });

  it("refuses an option it does not know, rather than ignoring it", async () => {
    const { resolveOptions } = await import("../../src/options.ts");
    expect(() => resolveOptions({ subscriptionLimits: { perUser: 1 } } as never)).toThrow(/Unknown option "subscriptionLimits"/);
    expect(() => resolveOptions({ subscriptions: { perUsr: 1 } } as never)).toThrow(/Unknown option "subscriptions.perUsr"/);
    expect(resolveOptions({ subscriptions: { perUser: 1, maxStallMs: 5 } }).subscriptions).toMatchObject({ perUser: 1, perConnection: 100, maxStallMs: 5 });
  });
});

describe("trusted documents configuration", () => {
  it("refuses only-trusted mode without a manifest, which would otherwise accept everything", () => {
    expect(errorOf({ TRUSTED_DOCUMENTS_ONLY: "true" })).toMatch(/TRUSTED_DOCUMENTS_ONLY=true needs TRUSTED_DOCUMENTS_FILE/);
  });
});

describe("federation", () => {
  it("is off unless FEDERATION says so, in every profile", () => {
    expect(loadConfig({}).options.federation).toBe(false);
    expect(loadConfig({ NODE_ENV: "production", AUTH_JWT_SECRET: "x".repeat(32) }).options.federation).toBe(false);
    expect(loadConfig({ FEDERATION: "true" }).options.federation).toBe(true);
    expect(errorOf({ FEDERATION: "yes" })).toMatch(/FEDERATION="yes": FEDERATION must be true or false/);
  });

  it("refuses only-trusted documents with it (a gateway's planner writes the subgraph's documents), in production by default too", () => {
    expect(errorOf({ FEDERATION: "true", TRUSTED_DOCUMENTS_FILE: "documents.json", TRUSTED_DOCUMENTS_ONLY: "true" })).toMatch(/FEDERATION=true with TRUSTED_DOCUMENTS_ONLY=true: .*set TRUSTED_DOCUMENTS_ONLY=false/);
    const production = { NODE_ENV: "production", AUTH_JWT_SECRET: "x".repeat(32), FEDERATION: "true", TRUSTED_DOCUMENTS_FILE: "documents.json" };
    expect(errorOf(production)).toMatch(/production's default TRUSTED_DOCUMENTS_ONLY=true/);
    expect(loadConfig({ ...production, TRUSTED_DOCUMENTS_ONLY: "false" }).options).toMatchObject({ federation: true, trustedDocuments: { file: "documents.json", only: false } });
  });
});

describe("Redis configuration: one server, Sentinel or Cluster", () => {
  it("maps each mode onto the redis option", () => {
    expect(loadConfig({}).options.redis).toBeUndefined();
    expect(loadConfig({ REDIS_URL: "redis://cache:6379" }).options.redis).toEqual({ mode: "standalone", url: "redis://cache:6379" });
    expect(loadConfig({ REDIS_SENTINELS: "10.0.0.1:26379, sentinel-b:26380,[::1]:26381", REDIS_SENTINEL_NAME: "mymaster", REDIS_PASSWORD: "s3cret" }).options.redis).toEqual({
      mode: "sentinel",
      sentinels: [
        { host: "10.0.0.1", port: 26_379 },
        { host: "sentinel-b", port: 26_380 },
        { host: "::1", port: 26_381 },
      ],
      masterName: "mymaster",
      username: undefined,
      password: "s3cret",
    });
    expect(loadConfig({ REDIS_CLUSTER_NODES: "node-1:6379,node-2:6379", REDIS_USERNAME: "app", REDIS_PASSWORD: "s3cret" }).options.redis).toEqual({
      mode: "cluster",
      nodes: [
        { host: "node-1", port: 6379 },
        { host: "node-2", port: 6379 },
      ],
      username: "app",
      password: "s3cret",
    });
  });

  it("replaces the redis option whole: a later layer of another mode keeps nothing of the one before", async () => {
    const { resolveOptions } = await import("../../src/options.ts");
    const cluster = { mode: "cluster", nodes: [{ host: "node-1", port: 6379 }], password: "s3cret" } as const;
    expect(resolveOptions({ redis: cluster }, { redis: { mode: "standalone", url: "redis://cache:6379" } }).redis).toEqual({ mode: "standalone", url: "redis://cache:6379" });
  });

  it("accepts exactly one mode, and says which variables clash", () => {
    expect(errorOf({ REDIS_URL: "redis://cache:6379", REDIS_CLUSTER_NODES: "node-1:6379" })).toMatch(/REDIS_URL, REDIS_CLUSTER_NODES: set only one/);
    expect(errorOf({ REDIS_SENTINELS: "s:26379", REDIS_SENTINEL_NAME: "mymaster", REDIS_CLUSTER_NODES: "node-1:6379" })).toMatch(/REDIS_SENTINELS, REDIS_CLUSTER_NODES: set only one/);
  });

  it("wants Sentinel's addresses and master name together", () => {
    expect(errorOf({ REDIS_SENTINELS: "s:26379" })).toMatch(/REDIS_SENTINEL_NAME: set the name Sentinel monitors the master by/);
    expect(errorOf({ REDIS_SENTINEL_NAME: "mymaster" })).toMatch(/REDIS_SENTINEL_NAME needs REDIS_SENTINELS/);
  });

  it("refuses addresses that are not host:port", () => {
    for (const nodes of ["node-1", "node-1:6379,", "node-1:0", "node-1:65536", "redis://node-1:6379", "node 1:6379"]) {
      expect(errorOf({ REDIS_CLUSTER_NODES: nodes }), nodes).toMatch(/REDIS_CLUSTER_NODES=.*: REDIS_CLUSTER_NODES must be a comma-separated list of host:port/);
    }
    expect(errorOf({ REDIS_SENTINELS: "s", REDIS_SENTINEL_NAME: "mymaster" })).toMatch(/REDIS_SENTINELS must be a comma-separated list of host:port, like 10.0.0.1:26379/);
  });

  it("takes credentials apart only where no URL carries them, and never prints the password", () => {
    const withUrl = errorOf({ REDIS_URL: "redis://cache:6379", REDIS_PASSWORD: "hunter2hunter2" });
    expect(withUrl).toMatch(/REDIS_PASSWORD is for REDIS_SENTINELS or REDIS_CLUSTER_NODES: put the credentials in REDIS_URL/);
    expect(withUrl).not.toContain("hunter2");
    expect(errorOf({ REDIS_CLUSTER_NODES: "node-1:6379", REDIS_USERNAME: "app" })).toMatch(/REDIS_USERNAME needs REDIS_PASSWORD/);
    expect(errorOf({ REDIS_CLUSTER_NODES: "bad", REDIS_PASSWORD: "hunter2hunter2" })).not.toContain("hunter2");
  });
});
