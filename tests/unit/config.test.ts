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
        : value === undefined && key !== "redisUrl" ? [key] : [],
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
