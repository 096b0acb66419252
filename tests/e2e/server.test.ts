/** The server as `npm start` runs it: its own process, real port, signals and exit codes. */
import { randomBytes } from "node:crypto";
import { readFileSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import { createServer } from "node:net";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync, spawnSync } from "node:child_process";
import { createTokenVerifier } from "../../src/infra/auth/token-verifier.ts";
import { ADMIN_AUTHORIZATION, TEST_JWT_SECRET } from "../support/auth.ts";
import { startServerProcess } from "../support/server-process.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { priced } from "../support/test-app.ts";

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

describe("authentication set-up", () => {
  it("refuses to start in production without a way to verify tokens", async () => {
    const server = startServerProcess({ DATABASE_URL: db.url, NODE_ENV: "production", AUTH_JWT_SECRET: "" });
    expect(await server.exited).toBe(1);
    expect(server.output.join("\n")).toMatch(/AUTH_JWT_SECRET.*at least 32 bytes/);
  });

  it("refuses a secret shorter than 32 bytes", async () => {
    const server = startServerProcess({ DATABASE_URL: db.url, AUTH_JWT_SECRET: "too-short" });
    expect(await server.exited).toBe(1);
    expect(server.output.join("\n")).toContain("AUTH_JWT_SECRET must be at least 32 bytes");
  });

  it("in development prints an admin and a customer token that work, and GraphiQL sends the admin one", async () => {
    await db.orm.em.fork().execute(`insert into users (id, email, name) values ('01900000-0000-7000-8000-0000000000d1', 'dev@example.com', 'Dev')`);
    const server = startServerProcess({ DATABASE_URL: db.url, NODE_ENV: "development", AUTH_JWT_SECRET: "" });
    const url = await server.ready;
    const line = server.output.map((text) => { try { return JSON.parse(text) as Record<string, string>; } catch { return {}; } }).find((entry) => entry.msg?.startsWith("development tokens"));
    expect(line?.customer).toBe("01900000-0000-7000-8000-0000000000d1");
    const viewer = async (token: string) =>
      (await fetch(url, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body: JSON.stringify({ query: "{ viewer { email } users { totalCount } }" }) })).json();
    expect(await viewer(line!.adminToken!)).toEqual(priced({ data: { viewer: null, users: { totalCount: 1 } } }));
    expect((await viewer(line!.customerToken!)).errors[0].extensions.code).toBe("FORBIDDEN");
    const page = await (await fetch(url, { headers: { accept: "text/html" } })).text();
    expect(page).toContain(line!.adminToken);
    server.child.kill("SIGTERM");
    expect(await server.exited).toBe(0);
    await db.orm.em.fork().execute("delete from users");
  });

  it("mints tokens with npm run token that the server accepts", async () => {
    const minted = execFileSync(process.execPath, ["--import", "tsx", "src/cli/token.ts", "--sub", "01900000-0000-7000-8000-0000000000c1", "--role", "customer", "--ttl", "15m"], {
      cwd: new URL("../../", import.meta.url),
      env: { ...process.env, AUTH_JWT_SECRET: TEST_JWT_SECRET, NODE_ENV: "test" },
      encoding: "utf8",
    }).trim();
    const verify = await createTokenVerifier({ secret: TEST_JWT_SECRET });
    const verified = await verify(minted);
    expect(verified.viewer).toEqual({ kind: "customer", userId: "01900000-0000-7000-8000-0000000000c1" });
    expect(verified.expiresAt - Date.now()).toBeGreaterThan(14 * 60_000);

    // The global ID the API shows works too; anything else is refused with a clear message.
    const run = (sub: string) =>
      spawnSync(process.execPath, ["--import", "tsx", "src/cli/token.ts", "--sub", sub], {
        cwd: new URL("../../", import.meta.url),
        env: { ...process.env, AUTH_JWT_SECRET: TEST_JWT_SECRET, NODE_ENV: "test" },
        encoding: "utf8",
      });
    const byGlobalId = run(Buffer.from("User:01900000-0000-7000-8000-0000000000c1").toString("base64url"));
    expect((await verify(byGlobalId.stdout.trim())).viewer).toEqual({ kind: "customer", userId: "01900000-0000-7000-8000-0000000000c1" });
    const orderId = run(Buffer.from("Order:01900000-0000-7000-8000-0000000000c1").toString("base64url"));
    expect(orderId.status).toBe(2);
    expect(orderId.stderr).toMatch(/--sub must be a user's id/);
  });
});

describe("seeding", () => {
  const seed = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(process.execPath, ["--import", "tsx", "src/cli/seed.ts", "--users", "3", "--orders-per-user", "1", ...args], {
      cwd: new URL("../../", import.meta.url),
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: "test", DATABASE_URL: db.url, AUTH_JWT_SECRET: TEST_JWT_SECRET, ...env },
      encoding: "utf8",
    });

  it("fills an empty database, refuses a used one unless --reset, says what --reset deleted, and never resets in production", async () => {
    await db.truncate();
    expect(seed([]).stdout).toMatch(/seeded 3 users/);
    const again = seed([]);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/already has 3 users.*--reset/);
    const reset = seed(["--reset"]);
    expect(reset.status).toBe(0);
    expect(reset.stdout).toMatch(/--reset: deleted 3 users, 3 orders and \d+ events/);
    expect(reset.stdout).toMatch(/seeded 3 users/);
    const production = seed(["--reset"], { NODE_ENV: "production" });
    expect(production.status).toBe(1);
    expect(production.stderr).toMatch(/--reset is refused in production/);
    const [row] = await db.orm.em.fork().execute<{ n: number }[]>("select count(*)::int as n from users");
    expect(row?.n).toBe(3);
    await db.truncate();
  }, 60_000);
});

describe("npm test on a fresh machine", () => {
  it("names every missing system package, with how to install it", () => {
    const probe = spawnSync(
      process.execPath,
      ["--import", "tsx", "-e", "import('./tests/support/system-requirements.ts').then((m) => console.log(JSON.stringify(m.missingSystemRequirements())))"],
      { cwd: new URL("../../", import.meta.url), env: { PATH: dirname(process.execPath), CHROMIUM_PATH: "/nonexistent/chromium" }, encoding: "utf8" },
    );
    const missing = JSON.parse(probe.stdout) as string[];
    expect(missing).toHaveLength(2);
    expect(missing[0]).toMatch(/^redis-server and redis-cli .*apt-get install redis-server.*brew install redis/);
    expect(missing[1]).toMatch(/^Chromium at \/nonexistent\/chromium .*apt-get install chromium/);
  });
});

describe("logs", () => {
  it("are readable lines in development and one JSON object per line otherwise", () => {
    const log = (env: string, format: string) =>
      spawnSync(process.execPath, ["--import", "tsx", "-e", `import("./src/observability/logger.ts").then((m) => m.createLogger("info", "${env}", "${format}").info({ url: "http://x" }, "serving http://x"))`], {
        cwd: new URL("../../", import.meta.url),
        encoding: "utf8",
      }).stdout.trim();
    const pretty = log("development", "pretty");
    expect(pretty).toMatch(/INFO.*serving http:\/\/x/);
    expect(() => JSON.parse(pretty)).toThrow();
    const json = JSON.parse(log("production", "json")) as Record<string, unknown>;
    expect(json).toMatchObject({ level: 30, msg: "serving http://x", env: "production", url: "http://x" });
    expect(Object.keys(json).filter((key) => key === "env")).toHaveLength(1);
  });
});

describe("an old Node", () => {
  const check = (version: string) =>
    spawnSync(
      process.execPath,
      ["-e", `Object.defineProperty(process, "versions", { value: { ...process.versions, node: "${version}" } }); Object.defineProperty(process, "version", { value: "v${version}" }); require("./scripts/require-node.cjs")`],
      { cwd: new URL("../../", import.meta.url), encoding: "utf8" },
    );

  it("stops npm start, npm test and the CLIs at once, saying which Node is needed and how to get it", () => {
    const old = check("20.11.1");
    expect(old.status).toBe(1);
    expect(old.stderr).toMatch(/^ordergraph needs Node 24 \(this is v20\.11\.1\)\.\nInstall Node 24/);
    expect(check(process.versions.node).status).toBe(0);
    const scripts = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")).scripts as Record<string, string>;
    for (const name of ["start", "dev", "test", "start:prod", "db:migrate", "db:migration:create", "db:seed", "token"]) {
      expect(scripts[`pre${name}`]).toBe("node scripts/require-node.cjs");
    }
    // The project's own scripts work in any clone: none reaches outside the repository.
    expect(Object.values(scripts).filter((script) => script.includes("../"))).toEqual([]);
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
    const html = await page.text();
    expect(html).toMatch(/graphiql/i);
    // An empty database shows nothing: the welcome comment says how to fill it.
    expect(html).toContain("npm run db:seed");

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
    for (const response of responses) expect(await response.json()).toEqual(priced({ data: { users: { nodes: [] } } }));
    expect(await server.exited).toBe(0);
    expect(server.output.join("\n")).toContain("stopped");
  });

  it("on Ctrl-C under npm start (SIGINT twice at once, from the terminal and from npm) stops gracefully and exits 0", async () => {
    const server = startServerProcess({ DATABASE_URL: db.url });
    await server.ready;
    server.child.kill("SIGINT");
    server.child.kill("SIGINT");
    expect(await server.exited).toBe(0);
    const output = server.output.join("\n");
    expect(output).toContain("stopped");
    expect(output).not.toMatch(/second SIGINT|interrupted again/);
    expect(output.match(/database connection lost/g) ?? []).toHaveLength(0);
  });

  it("stopped before it could reach the database, reports nothing it did not do", async () => {
    const server = startServerProcess({ DATABASE_URL: "postgres://nobody@127.0.0.1:1/none", DATABASE_CONNECT_TIMEOUT_MS: "200" });
    for (let waited = 0; !server.output.some((line) => line.includes("cannot start yet")); waited += 50) {
      if (waited > 15_000) throw new Error(`never tried to connect:\n${server.output.join("\n")}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    server.child.kill("SIGTERM");
    expect(await server.exited).toBe(0);
    const output = server.output.join("\n");
    expect(output).toContain("stopped");
    expect(output).not.toMatch(/schema is up to date|applied \d+ migration|serving/);
  });

  it("on SIGTERM under keep-alive traffic closes connections between requests, resets none in flight, and exits 0 in time", async () => {
    const server = startServerProcess({ DATABASE_URL: db.url, SHUTDOWN_TIMEOUT_MS: "8000", RATE_LIMIT_PLACE_ORDER_PER_MINUTE: "1000000" });
    const url = await server.ready;
    const created = await (await post(url, `mutation { createUser(input: { email: "sigterm@example.com", name: "Sig" }) { user { id } } }`)).json();
    const userId = created.data.createUser.user.id as string;
    const placeOrder = `mutation { placeOrder(input: { userId: "${userId}", currency: "EUR", items: [{ sku: "S", name: "S", quantity: 1, unitPriceCents: 100 }] }) { order { id } errors { code } } }`;

    // Four clients on keep-alive connections (fetch's default agent), each sending mutations back
    // to back until the server is gone.
    const outcomes = { answered: 0, connectionHeaderClose: 0, refused: 0, other: [] as string[] };
    const client = async () => {
      for (;;) {
        try {
          const response = await post(url, placeOrder);
          const body = await response.json();
          if (!body.data?.placeOrder?.order?.id) outcomes.other.push(JSON.stringify(body));
          outcomes.answered++;
          if (response.headers.get("connection") === "close") outcomes.connectionHeaderClose++;
        } catch (error) {
          const code = ((error as Error).cause as { code?: string } | undefined)?.code;
          // Refused: the request was never sent, so the client knows it did nothing.
          if (code === "ECONNREFUSED") {
            outcomes.refused++;
            return;
          }
          outcomes.other.push(`${(error as Error).message}: ${code ?? String((error as Error).cause)}`);
          return;
        }
      }
    };
    const clients = Array.from({ length: 4 }, client);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const signalledAt = Date.now();
    server.child.kill("SIGTERM");
    await Promise.all(clients);
    const code = await server.exited;
    expect(Date.now() - signalledAt).toBeLessThan(8000);
    expect(code).toBe(0);
    expect(outcomes.other).toEqual([]);
    expect(outcomes.refused).toBe(4);
    expect(outcomes.answered).toBeGreaterThan(4);
    expect(outcomes.connectionHeaderClose).toBeGreaterThanOrEqual(1);
    expect(server.output.join("\n")).not.toMatch(/killed by timeout/);
    // Every answered mutation is committed, and nothing else is.
    const [row] = await db.orm.em.fork().execute<{ count: number }[]>(`select count(*)::int as count from orders where user_id = '${Buffer.from(userId, "base64url").toString().split(":")[1]}'`);
    expect(row?.count).toBe(outcomes.answered);
  }, 30_000);

  it("runs on an embedded PostgreSQL when DATABASE_URL is unset, migrating it first", async () => {
    const dir = `.data/e2e-${randomBytes(4).toString("hex")}`;
    try {
      const server = startServerProcess({ EMBEDDED_POSTGRES_DIR: dir, EMBEDDED_POSTGRES_PORT: String(await freePort()) });
      const url = await server.ready;
      const log = server.output.join("\n");
      expect(log).toContain("embedded PostgreSQL");
      expect(log).toMatch(/applied \d+ migration/);
      const created = await post(url, `mutation { createUser(input: { email: "e@example.com", name: "E" }) { user { email } errors { code } } }`);
      expect(await created.json()).toEqual(priced({ data: { createUser: { user: { email: "e@example.com" }, errors: [] } } }));
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
