import { fileURLToPath } from "node:url";
import { Migrator } from "@mikro-orm/migrations";
import { defineConfig, MikroORM, type Options } from "@mikro-orm/postgresql";
import type { Pool, PoolClient } from "pg";
import { guardedClient, guardPool } from "../postgres/guarded-pool.ts";
import { entities } from "./entities.ts";
import { OrdergraphPostgreSqlDriver } from "./postgresql-driver.ts";
import { resolveOptions } from "../../options.ts";

const SERVER_DEFAULTS = resolveOptions();

export interface OrmOptions {
  databaseUrl: string;
  /** Streaming replicas to read from (read-routing.ts decides which reads go there). */
  replicaUrls?: readonly string[];
  /** Most connections the pool opens (default: options.ts's poolSize). */
  poolSize?: number;
  /** Called with the text of every statement sent to PostgreSQL, including transaction control, and the server it went to ("primary", "replica-1", …). */
  onStatement?: (sql: string, server: string) => void;
  /** Log every statement MikroORM runs (default false). */
  debug?: boolean;
  /** Receives each pg pool once created (the primary's, then each replica's): for metrics, and to log errors of idle connections. */
  onPool?: (pool: Pool, server: string) => void;
  /** Longest a single SQL statement may run, in ms (default: no limit). */
  statementTimeoutMs?: number;
  /** Longest wait to open a connection, in ms (default: options.ts's connectTimeoutMs). */
  connectTimeoutMs?: number;
}

/** How long past a cancel or the statement timeout PostgreSQL may stay silent before a connection is given up. */
export const NOT_ANSWERING_GRACE_MS = 2000;

// Resolves to <root>/migrations from src/infra/mikro-orm and to <root>/dist/migrations from
// the compiled dist/src/infra/mikro-orm, so TypeScript and built JavaScript find their own.
const migrationsPath = fileURLToPath(new URL("../../../migrations", import.meta.url));

/** The name a replica goes by in logs and metrics: replica-1, replica-2, … in the order configured. */
export const replicaName = (index: number) => `replica-${index + 1}`;

export function ormConfig(options: OrmOptions): Options {
  const poolSize = options.poolSize ?? SERVER_DEFAULTS.poolSize;
  const driverOptions = (server: string) => ({
    ...(options.statementTimeoutMs
      ? {
          statement_timeout: options.statementTimeoutMs,
          // A transaction left open (a stuck caller) releases its locks and connection.
          idle_in_transaction_session_timeout: options.statementTimeoutMs + NOT_ANSWERING_GRACE_MS,
        }
      : {}),
    // Fail fast when PostgreSQL does not answer: bounded connects, dead peers noticed by TCP
    // keepalive, statements bounded client-side too, and the server stops work for a client
    // that has gone away (PostgreSQL 14+).
    application_name: "ordergraph",
    connectionTimeoutMillis: options.connectTimeoutMs ?? SERVER_DEFAULTS.connectTimeoutMs,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    // UTC sessions whatever the database's TimeZone: timestamps arrive as "…+00", the form
    // infra/postgres/timestamptz.ts reads fast (and cursors carry).
    options: "-c client_connection_check_interval=1000 -c timezone=UTC",
    Client: guardedClient({ statementTimeoutMs: options.statementTimeoutMs, graceMs: NOT_ANSWERING_GRACE_MS }),
    onPoolCreated: (pool: Pool) => {
      guardPool(pool);
      if (options.onStatement) countStatements(pool, (sql) => options.onStatement!(sql, server));
      options.onPool?.(pool, server);
    },
  });
  return defineConfig({
    driver: OrdergraphPostgreSqlDriver,
    clientUrl: options.databaseUrl,
    entities,
    extensions: [Migrator],
    pool: { min: 0, max: poolSize, idleTimeoutMillis: 30_000 },
    allowGlobalContext: false,
    ensureDatabase: false,
    debug: options.debug ?? false,
    migrations: {
      path: migrationsPath,
      pathTs: migrationsPath,
      emit: "ts",
      snapshotName: ".snapshot",
      // The snapshot comes from entity metadata when a migration is generated, never from
      // introspecting a live database.
      snapshotOnMigrate: false,
      transactional: true,
      allOrNothing: true,
      // The server and the CLI log what was applied, as their own lines (no console colours).
      silent: true,
    },
    driverOptions: driverOptions("primary"),
    // Reads go to a replica only where read-routing.ts sends them; everything else stays on the primary.
    preferReadReplicas: false,
    replicas: (options.replicaUrls ?? []).map((clientUrl, index) => ({ name: replicaName(index), clientUrl, driverOptions: driverOptions(replicaName(index)) })),
  });
}

/** Builds the ORM without connecting; `connect()` it, and `close()` it to release the pool. */
export const initOrm = (options: OrmOptions): Promise<MikroORM> => MikroORM.init(ormConfig(options));

/** Builds and connects the ORM; `close()` it to release the pool. */
export async function createOrm(options: OrmOptions): Promise<MikroORM> {
  const orm = await initOrm(options);
  await orm.connect();
  return orm;
}

// MikroORM 7.2.1 hands the pg pool it creates to `driverOptions.onPoolCreated`; wrapping each
// client's `query` sees every statement, the ORM's and Kysely's alike.
function countStatements(pool: Pool, onStatement: (sql: string) => void) {
  pool.on("connect", (client: PoolClient) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as unknown as { query: typeof query }).query = (...args: unknown[]) => {
      const [first] = args;
      onStatement(typeof first === "string" ? first : ((first as { text?: string } | undefined)?.text ?? ""));
      return query(...args);
    };
  });
}
