/** The server as `npm start` runs it: its own process, real port, signals and exit codes. */
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { createServer } from "node:net";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_AUTHORIZATION } from "../support/auth.ts";
import { startServerProcess } from "../support/server-process.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());

const post = (url: string, query: string) =>
  fetch(url, { method: "POST", headers: { "content-type": "application/json", authorization: ADMIN_AUTHORIZATION }, body: JSON.stringify({ query }) });

describe("configuration", () => {
  it("refuses to start on a bad value, naming the variable and how to fix it", async () => {
    const server = startServerProcess({ DATABASE_URL: db.url, PORT: "eighty", DATABASE_POOL_SIZE: "0" });
    expect(await server.exited).toBe(1);
    const output = server.output.join("\n");
    expect(output).toContain('PORT="eighty": PORT must be a whole number');
    expect(output).toContain('DATABASE_POOL_SIZE="0": DATABASE_POOL_SIZE must be at least 1');
    expect(output).not.toMatch(/\n\s+at /);
  });
});

describe("serving", () => {
  it("serves GraphQL and GraphiQL, and on SIGTERM finishes all 20 in-flight requests before exiting 0", async () => {
    // A pool as large as the burst, so "in flight" is visible: every request waits on the lock.
    const server = startServerProcess({ DATABASE_URL: db.url, DATABASE_POOL_SIZE: "25" });
    const url = await server.ready;
    expect(server.output.join("\n")).toMatch(/database schema is up to date|applied/);

    const page = await fetch(url, { headers: { accept: "text/html" } });
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/graphiql/i);

    // Hold a lock so the requests stay in flight until after the signal.
    const locker = new pg.Client({ connectionString: db.url });
    await locker.connect();
    await locker.query("begin; lock table users in access exclusive mode");
    // One statement per request, so 20 waiting backends means 20 requests inside the server.
    const requests = Array.from({ length: 20 }, () => post(url, "{ users(first: 1) { nodes { id } } }"));
    const monitor = new pg.Client({ connectionString: db.url });
    await monitor.connect();
    for (let waited = 0; ; waited += 20) {
      const { rows } = await monitor.query("select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and datname = current_database()");
      if (rows[0].n >= 20) break;
      if (waited > 10_000) throw new Error("requests never reached the database");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    server.child.kill("SIGTERM");
    await new Promise((resolve) => setTimeout(resolve, 300));
    await locker.query("commit");
    await Promise.all([locker.end(), monitor.end()]);

    const responses = await Promise.all(requests);
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(200));
    for (const response of responses) expect(await response.json()).toEqual({ data: { users: { nodes: [] } } });
    expect(await server.exited).toBe(0);
    expect(server.output.join("\n")).toContain("stopped");
  });

  it("runs on an embedded PostgreSQL when DATABASE_URL is unset, migrating it first", async () => {
    const dir = `.data/e2e-${randomBytes(4).toString("hex")}`;
    try {
      const server = startServerProcess({ EMBEDDED_POSTGRES_DIR: dir, EMBEDDED_POSTGRES_PORT: String(await freePort()) });
      const url = await server.ready;
      const log = server.output.join("\n");
      expect(log).toContain("embedded PostgreSQL");
      expect(log).toMatch(/applied \d+ migration/);
      const created = await post(url, `mutation { createUser(input: { email: "e@example.com", name: "E" }) { user { email } errors { code } } }`);
      expect(await created.json()).toEqual({ data: { createUser: { user: { email: "e@example.com" }, errors: [] } } });
      server.child.kill("SIGINT");
      expect(await server.exited).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
