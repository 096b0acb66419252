/**
 * The embedded PostgreSQL as people meet it: `npm start` with no DATABASE_URL, from a private
 * directory (issue 15), and alongside `npm run db:seed`, a second server and a killed one
 * (issue 10): whoever uses it, no process stops a server another one uses.
 */
import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { randomBytes } from "node:crypto";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { startEmbeddedPostgres } from "../../src/infra/embedded-postgres.ts";
import { ADMIN_AUTHORIZATION } from "../support/auth.ts";
import { freePort } from "../support/redis.ts";
import { startServerProcess, type ServerProcess } from "../support/server-process.ts";
import { priced } from "../support/test-app.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const asRoot = process.getuid?.() === 0;
const cleanups: (() => void | Promise<void>)[] = [];
const servers: ServerProcess[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    if (server.child.exitCode === null && server.child.signalCode === null) {
      server.child.kill("SIGTERM");
      await server.exited;
    }
  }
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const start = (env: Record<string, string>, cwd?: string) => {
  const server = startServerProcess(env, { cwd });
  servers.push(server);
  return server;
};

const stop = async (server: ServerProcess, signal: NodeJS.Signals = "SIGTERM") => {
  server.child.kill(signal);
  return server.exited;
};

const graphql = async (url: string, query: string) =>
  (await fetch(url, { method: "POST", headers: { "content-type": "application/json", authorization: ADMIN_AUTHORIZATION }, body: JSON.stringify({ query }) })).json();

/** The data directory the server's "serving" line names. */
const dataDirOf = (server: ServerProcess) => /data in ([^)"]+)\)/.exec(server.output.join("\n"))?.[1] ?? "(no data directory in the log)";

/** Runs a command-line script of this checkout (`src/cli/…`) to its end. */
const runCli = async (script: string, args: string[], env: Record<string, string>) => {
  const child = spawn(process.execPath, ["--import", "tsx", script, ...args], {
    cwd: root,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: "test", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  const [code] = (await once(child, "exit")) as [number | null];
  return { code, output };
};

const embeddedEnv = async (dir: string) => ({ EMBEDDED_POSTGRES_DIR: dir, EMBEDDED_POSTGRES_PORT: String(await freePort()) });

/** A data directory of this checkout's own `.data/`, removed after the test (its server stopped first, if left running). */
const scratchDir = (name: string) => {
  const dir = join(root, ".data", `${name}-${randomBytes(4).toString("hex")}`);
  cleanups.push(async () => {
    if (existsSync(join(dir, "postmaster.pid"))) await (await startEmbeddedPostgres({ dir, port: 0, database: "postgres" })).stop();
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
};

describe("a project in a private directory (issue 15)", () => {
  it(`starts on the embedded PostgreSQL from a 0700 directory and keeps its data between runs (${asRoot ? "as root: in /var/lib/ordergraph" : "not root: in .data/"})`, async () => {
    // A copy of the project as a clone has it: sources and its own node_modules (hard links, or a copy).
    const privateDir = mkdtempSync(join(tmpdir(), "ordergraph-private-"));
    cleanups.push(() => rmSync(privateDir, { recursive: true, force: true }));
    expect(statSync(privateDir).mode & 0o777).toBe(0o700);
    const project = join(privateDir, "ordergraph");
    for (const entry of ["package.json", "tsconfig.json", "src", "migrations"]) cpSync(join(root, entry), join(project, entry), { recursive: true });
    if (spawnSync("cp", ["-al", join(root, "node_modules"), project]).status !== 0) cpSync(join(root, "node_modules"), join(project, "node_modules"), { recursive: true, verbatimSymlinks: true });

    const env = { EMBEDDED_POSTGRES_PORT: String(await freePort()) }; // EMBEDDED_POSTGRES_DIR: the default, .data/postgres
    const first = start(env, project);
    const url = await first.ready;
    const dataDir = dataDirOf(first);
    if (asRoot) {
      // The postgres user PostgreSQL runs as cannot enter the private directory.
      expect(dataDir).toMatch(/^\/var\/lib\/ordergraph\/clusters\/[0-9a-f]{16}$/);
      cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    } else {
      expect(dataDir).toBe(join(project, ".data", "postgres"));
    }
    expect(await graphql(url, `mutation { createUser(input: { email: "kept@example.com", name: "Kept" }) { errors { code } } }`)).toEqual(priced({ data: { createUser: { errors: [] } } }));
    expect(await stop(first, "SIGINT")).toBe(0);
    expect(existsSync(join(dataDir, "postmaster.pid"))).toBe(false);
    // The first start migrated: logged as the server's own JSON lines, no terminal colour codes.
    expect(first.output.join("\n")).toMatch(/"msg":"applied 2 migration\(s\)"/);
    expect(first.output.join("\n")).not.toContain("\u001b[");

    const second = start(env, project);
    const again = await second.ready;
    expect(dataDirOf(second)).toBe(dataDir);
    expect(await graphql(again, "{ users { nodes { email } } }")).toEqual(priced({ data: { users: { nodes: [{ email: "kept@example.com" }] } } }));
    expect(await stop(second)).toBe(0);
  }, 60_000);

  it("says what went wrong, without a stack trace, when the embedded PostgreSQL cannot start", async () => {
    const env = await embeddedEnv(scratchDir("taken-port"));
    // Another program holds the port.
    const { createServer } = await import("node:net");
    const blocker = createServer().listen(Number(env.EMBEDDED_POSTGRES_PORT), "127.0.0.1");
    await once(blocker, "listening");
    cleanups.push(() => void blocker.close());
    const server = start(env);
    expect(await server.exited).toBe(1);
    const output = server.output.join("\n");
    expect(output).toContain(`ordergraph failed to start: embedded PostgreSQL did not start on port ${env.EMBEDDED_POSTGRES_PORT}`);
    expect(output).toContain("set EMBEDDED_POSTGRES_PORT to a free one");
    expect(output).not.toMatch(/\n\s+at /);
  }, 60_000);
});

describe("one embedded PostgreSQL, many processes (issue 10)", () => {
  it("db:seed and a second server use the running server's PostgreSQL; the last one out stops it", async () => {
    const env = await embeddedEnv(scratchDir("shared"));
    const server = start(env);
    const url = await server.ready;
    const dataDir = dataDirOf(server);

    const seeded = await runCli("src/cli/seed.ts", ["--users", "3", "--orders-per-user", "2"], env);
    expect(seeded.output).toContain("seeded 3 users, 6 orders");
    expect(seeded.code).toBe(0);
    // The server's database survived the CLI, and holds what the CLI wrote.
    expect(await graphql(url, "{ users { totalCount } }")).toEqual(priced({ data: { users: { totalCount: 3 } } }));
    expect((await fetch(url.replace("/graphql", "/health/ready"))).status).toBe(200);

    // A second server shares it; the first leaving does not take it away.
    const second = start(env);
    const secondUrl = await second.ready;
    expect(await stop(server)).toBe(0);
    expect(await graphql(secondUrl, "{ users { totalCount } }")).toEqual(priced({ data: { users: { totalCount: 3 } } }));
    expect(existsSync(join(dataDir, "postmaster.pid"))).toBe(true);
    expect(await stop(second)).toBe(0);
    expect(existsSync(join(dataDir, "postmaster.pid"))).toBe(false);
  }, 60_000);

  it("a PostgreSQL left by a killed server is reused, not stopped, and stopped by whoever uses it last", async () => {
    const env = await embeddedEnv(scratchDir("killed"));
    const killed = start(env);
    const url = await killed.ready;
    const dataDir = dataDirOf(killed);
    await graphql(url, `mutation { createUser(input: { email: "before@example.com", name: "Before" }) { errors { code } } }`);
    await stop(killed, "SIGKILL");
    expect(existsSync(join(dataDir, "postmaster.pid"))).toBe(true);

    const next = start(env);
    const nextUrl = await next.ready;
    expect(await graphql(nextUrl, "{ users { totalCount } }")).toEqual(priced({ data: { users: { totalCount: 1 } } }));
    const migrated = await runCli("src/cli/migrate.ts", [], env);
    expect(migrated.output).toContain("no pending migrations");
    expect(await graphql(nextUrl, "{ users { totalCount } }")).toEqual(priced({ data: { users: { totalCount: 1 } } }));
    expect(await stop(next)).toBe(0);
    expect(existsSync(join(dataDir, "postmaster.pid"))).toBe(false);
  }, 60_000);

  it("a server whose PostgreSQL crashed starts it again, and a CLI run then shares it without stopping it", async () => {
    const env = await embeddedEnv(scratchDir("crashed"));
    const server = start({ ...env, SHUTDOWN_TIMEOUT_MS: "5000" });
    const url = await server.ready;
    const dataDir = dataDirOf(server);
    const postmasterPid = () => {
      try {
        return Number(readFileSync(join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
      } catch {
        return undefined;
      }
    };
    const crashed = postmasterPid()!;
    process.kill(crashed, "SIGQUIT"); // immediate shutdown, as a crash
    await expect.poll(() => (postmasterPid() ?? 0) > 0 && postmasterPid() !== crashed, { timeout: 20_000, interval: 100 }).toBe(true);
    const restarted = postmasterPid();

    const seeded = await runCli("src/cli/seed.ts", ["--users", "200", "--orders-per-user", "1"], env);
    expect(seeded.output).toContain("seeded 200 users");
    expect(postmasterPid()).toBe(restarted);
    await expect.poll(async () => graphql(url, "{ users { totalCount } }"), { timeout: 10_000, interval: 200 }).toEqual(priced({ data: { users: { totalCount: 200 } } }));
    const client = new pg.Client({ connectionString: `postgres://ordergraph:ordergraph@127.0.0.1:${env.EMBEDDED_POSTGRES_PORT}/postgres` });
    await client.connect();
    const { rows } = await client.query("select count(*)::int as n from pg_stat_activity where application_name = $1", [`ordergraph lease (pid ${server.child.pid})`]);
    await client.end();
    expect(rows[0].n).toBe(1);
    // The connections the crash killed were given back to the pool, so shutdown completes.
    expect(await stop(server)).toBe(0);
  }, 60_000);
});
