/**
 * Every code block in the README works as written: GraphQL blocks are valid against the schema,
 * the TypeScript blocks run against a real server (printing an event; the federation gateway
 * answering across two subgraphs), shell blocks name npm scripts that exist.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { parse, validate } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Instance } from "../../src/instance.ts";
import { schema } from "../../src/schema/index.ts";
import { ADMIN_AUTHORIZATION, ADMIN_TOKEN, bearer, customerToken } from "../support/auth.ts";
import { CREATE_USER, createUser, placeOrder, rawId, startTestInstance } from "../support/instances.ts";
import { LOYALTY_SDL, startLoyaltySubgraph } from "../support/loyalty-subgraph.ts";
import { startServerProcess } from "../support/server-process.ts";
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

    /**
     * Runs a TypeScript block of the README as written, pointed at this test's servers (each
     * `from` replaced by its `to`), until its output matches; then `whileRunning`, then stops it.
     */
    async function runBlock(block: string, replacements: Record<string, string>, expected: RegExp, whileWaiting: () => Promise<unknown> = async () => {}, whileRunning: () => Promise<unknown> = async () => {}) {
      let code = block;
      for (const [from, to] of Object.entries(replacements)) {
        expect(block).toContain(from);
        code = code.replaceAll(from, to);
      }
      const file = join(dir, `block-${Math.random().toString(36).slice(2)}.mts`);
      writeFileSync(file, code);
      // A process group of its own: what it starts (the gateway forks workers) is stopped with it.
      const child = spawn(process.execPath, ["--import", "tsx", file], { cwd: root, env: { ...process.env, TOKEN: ADMIN_TOKEN }, stdio: ["ignore", "pipe", "pipe"], detached: true });
      let output = "";
      child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
      child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
      try {
        for (let waited = 0; !expected.test(output) && waited < 15_000; waited += 200) {
          if (waited % 2000 === 0) await whileWaiting();
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
        expect(output).toMatch(expected);
        await whileRunning();
      } finally {
        // SIGKILL: the gateway runtime takes a SIGTERM to dispose of itself and leaves the example's
        // HTTP server running.
        try {
          process.kill(-child.pid!, "SIGKILL");
        } catch {
          // already gone
        }
      }
    }
    const ORDER_PLACED = /"orderEvents":\{"id":"[0-9a-f-]+","type":"ORDER_PLACED"\}/;

    it("subscribes over WebSocket with a token and prints the event a mutation causes", async () => {
      const block = blocks("ts").find((code) => code.includes("graphql-ws"))!;
      const userId = await createUser(instance, "readme@example.com");
      await runBlock(block, { "ws://127.0.0.1:4000/graphql": instance.websocketUrl }, ORDER_PLACED, () => placeOrder(instance, userId));
    }, 30_000);

    it("subscribes over server-sent events with graphql-sse and prints the event a mutation causes", async () => {
      const block = blocks("ts").find((code) => code.includes("graphql-sse"))!;
      const userId = await createUser(instance, "readme-sse@example.com");
      await runBlock(block, { "http://127.0.0.1:4000/graphql": instance.url }, ORDER_PLACED, () => placeOrder(instance, userId));
    }, 30_000);

    it("reads a deferred query's parts with meros", async () => {
      const block = blocks("ts").find((code) => code.includes("meros"))!;
      await placeOrder(instance, await createUser(instance, "readme-defer@example.com"));
      await runBlock(block, { "http://127.0.0.1:4000/graphql": instance.url }, /"incremental":\[\{"data":\{"orders":\{"totalCount":\d+\}\}/);
    }, 30_000);

    it("composes ordergraph (started with FEDERATION=true) and another subgraph behind the gateway, forwarding the caller's token", async () => {
      const block = blocks("ts").find((code) => code.includes("createGatewayRuntime"))!;
      const server = startServerProcess({ DATABASE_URL: db.url, FEDERATION: "true" });
      try {
        const url = await server.ready;
        expect(server.output.join("\n")).toContain("as a federation subgraph");
        const created = await (await fetch(url, { method: "POST", headers: { "content-type": "application/json", authorization: ADMIN_AUTHORIZATION }, body: JSON.stringify({ query: CREATE_USER, variables: { email: "readme-federation@example.com" } }) })).json();
        const userId: string = created.data.createUser.user.id;
        const loyalty = await startLoyaltySubgraph(new Map([[rawId(userId), 1500]]));
        const loyaltySdl = join(dir, "loyalty.graphql");
        writeFileSync(loyaltySdl, LOYALTY_SDL);
        const port = await freePort();
        const token = bearer(await customerToken(rawId(userId)));
        try {
          await runBlock(
            block,
            { "http://127.0.0.1:4000/graphql": url, "http://127.0.0.1:4001/graphql": loyalty.url, '"loyalty.graphql"': JSON.stringify(loyaltySdl), "4100": String(port) },
            /gateway on http:\/\/127\.0\.0\.1:\d+\/graphql/,
            undefined,
            async () => {
              const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
                method: "POST",
                headers: { "content-type": "application/json", authorization: token },
                body: JSON.stringify({ query: "{ viewer { email orders(first: 3) { nodes { status } } loyalty { points } } }" }),
              });
              expect(await response.json()).toEqual({ data: { viewer: { email: "readme-federation@example.com", orders: { nodes: [] }, loyalty: { points: 1500 } } } });
            },
          );
        } finally {
          await loyalty.close();
        }
      } finally {
        server.child.kill("SIGTERM");
        await server.exited;
      }
    }, 60_000);
  });
});

/** A port nothing listens on right now. */
const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
