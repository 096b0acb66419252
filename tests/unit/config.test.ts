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
