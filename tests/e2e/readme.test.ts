/**
 * Every code block in the README works as written: GraphQL blocks are valid against the schema,
 * the TypeScript block runs against a real server and prints an event, shell blocks name npm
 * scripts that exist.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse, validate } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Instance } from "../../src/instance.ts";
import { schema } from "../../src/schema/index.ts";
import { ADMIN_TOKEN } from "../support/auth.ts";
import { createUser, placeOrder, startTestInstance } from "../support/instances.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

const root = new URL("../../", import.meta.url);
const readme = readFileSync(new URL("README.md", root), "utf8");
const blocks = (language: string) => [...readme.matchAll(new RegExp("```" + language + "\\n([\\s\\S]*?)```", "g"))].map((match) => match[1]!);

describe("README code blocks", () => {
  it("has GraphQL blocks that are valid against the schema", () => {
    const graphql = blocks("graphql");
    expect(graphql.length).toBeGreaterThanOrEqual(4);
    for (const block of graphql) expect(validate(schema, parse(block)).map((error) => error.message)).toEqual([]);
  });

  it("has shell blocks that name existing npm scripts", () => {
    const scripts = JSON.parse(readFileSync(new URL("package.json", root), "utf8")).scripts as Record<string, string>;
    const commands = blocks("sh").flatMap((block) => [...block.matchAll(/npm (?:run )?([\w:-]+)/g)].map((match) => match[1]!));
    expect(commands.length).toBeGreaterThan(0);
    for (const command of commands) if (!["ci", "i", "install"].includes(command)) expect(scripts, command).toHaveProperty(command);
  });

  describe("the TypeScript block", () => {
    let db: TestDatabase;
    let instance: Instance;
    let dir: string;
    beforeAll(async () => {
      db = await createTestDatabase();
      instance = await startTestInstance({ databaseUrl: db.url, migrate: false });
      dir = mkdtempSync(join(new URL(".", root).pathname, ".readme-"));
    });
    afterAll(async () => {
      rmSync(dir, { recursive: true, force: true });
      await instance?.close();
      await db?.drop();
    });

    /** Runs a TypeScript block of the README as written, pointed at this test's server, until its output matches. */
    async function runBlock(block: string, from: string, to: string, expected: RegExp, whileWaiting: () => Promise<unknown> = async () => {}) {
      expect(block).toContain(from);
      const file = join(dir, `block-${Math.random().toString(36).slice(2)}.mts`);
      writeFileSync(file, block.replace(from, to));
      const child = spawn(process.execPath, ["--import", "tsx", file], { cwd: root, env: { ...process.env, TOKEN: ADMIN_TOKEN }, stdio: ["ignore", "pipe", "pipe"] });
      let output = "";
      child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
      child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
      try {
        for (let waited = 0; !expected.test(output) && waited < 15_000; waited += 200) {
          if (waited % 2000 === 0) await whileWaiting();
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
        expect(output).toMatch(expected);
      } finally {
        child.kill();
      }
    }
    const ORDER_PLACED = /"orderEvents":\{"id":"[0-9a-f-]+","type":"ORDER_PLACED"\}/;

    it("subscribes over WebSocket with a token and prints the event a mutation causes", async () => {
      const block = blocks("ts").find((code) => code.includes("graphql-ws"))!;
      const userId = await createUser(instance, "readme@example.com");
      await runBlock(block, "ws://127.0.0.1:4000/graphql", instance.websocketUrl, ORDER_PLACED, () => placeOrder(instance, userId));
    }, 30_000);

    it("subscribes over server-sent events with graphql-sse and prints the event a mutation causes", async () => {
      const block = blocks("ts").find((code) => code.includes("graphql-sse"))!;
      const userId = await createUser(instance, "readme-sse@example.com");
      await runBlock(block, "http://127.0.0.1:4000/graphql", instance.url, ORDER_PLACED, () => placeOrder(instance, userId));
    }, 30_000);

    it("reads a deferred query's parts with meros", async () => {
      const block = blocks("ts").find((code) => code.includes("meros"))!;
      await placeOrder(instance, await createUser(instance, "readme-defer@example.com"));
      await runBlock(block, "http://127.0.0.1:4000/graphql", instance.url, /"incremental":\[\{"data":\{"orders":\{"totalCount":\d+\}\}/);
    }, 30_000);
  });
});
