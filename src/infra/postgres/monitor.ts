/**
 * The operator's line to PostgreSQL: one dedicated connection (never one from the pool) for
 * readiness probes and the outbox gauges, so `/health/ready` and `/metrics` answer within their
 * time limit even when every pool connection is busy with user queries or PostgreSQL is gone.
 * The connection is opened on first use and again after any failure.
 */
import pg from "pg";
import { destroyConnection, endWithin } from "./connection.ts";

export interface OutboxStats {
  /** Committed events not yet published. */
  readonly backlog: number;
  /** Age of the oldest unpublished event (0 when none). */
  readonly oldestPendingSeconds: number;
  /** Events moved to outbox_dead_letters. */
  readonly deadLetters: number;
}

export interface DatabaseMonitor {
  /** Resolves when PostgreSQL answers `select 1` within the time limit. */
  ping(): Promise<void>;
  outboxStats(): Promise<OutboxStats>;
  /** On a streaming replica: whether it has replayed all it received, and how long ago it last replayed a transaction. */
  replicationState(): Promise<{ caughtUp: boolean; sinceLastReplaySeconds: number }>;
  close(): Promise<void>;
}

export function createDatabaseMonitor(databaseUrl: string, options: { timeoutMs?: number; applicationName?: string } = {}): DatabaseMonitor {
  const timeoutMs = options.timeoutMs ?? 2000;
  let connection: Promise<pg.Client> | undefined;
  let closed = false;

  const connect = (): Promise<pg.Client> => {
    if (connection) return connection;
    const client = new pg.Client({
      connectionString: databaseUrl,
      connectionTimeoutMillis: timeoutMs,
      application_name: options.applicationName ?? "ordergraph-monitor",
      keepAlive: true,
      // The server gives up first (a lock, a slow plan), so the connection stays usable; it also
      // stops working for this client if the client goes away.
      statement_timeout: Math.floor(timeoutMs * 0.75),
      lock_timeout: Math.floor(timeoutMs / 2),
      options: "-c client_connection_check_interval=1000",
    });
    const opening = client.connect().then(() => client);
    const forget = () => {
      if (connection === opening) connection = undefined;
    };
    client.on("error", forget);
    client.on("end", forget);
    opening.catch(forget);
    return (connection = opening);
  };

  const query = async <Row>(text: string): Promise<Row[]> => {
    if (closed) throw new Error("the database monitor is closed");
    const current = connect();
    let timer: NodeJS.Timeout | undefined;
    let answered = true;
    const timedOut = new Promise<never>((_, reject) => (timer = setTimeout(() => {
      answered = false;
      reject(new Error(`PostgreSQL did not answer within ${timeoutMs} ms`));
    }, timeoutMs)));
    try {
      const client = await Promise.race([current, timedOut]);
      return (await Promise.race([client.query(text), timedOut])).rows as Row[];
    } catch (error) {
      // A connection that did not answer is not trusted again (an error it answered with is fine).
      if (!answered) {
        if (connection === current) connection = undefined;
        void current.then(destroyConnection, () => {});
      }
      throw error;
    } finally {
      clearTimeout(timer);
    }
  };
  /** Concurrent probes share one `select 1`: a flood of them costs one query. */
  let pinging: Promise<void> | undefined;

  return {
    ping() {
      return (pinging ??= query("select 1").then(() => undefined).finally(() => (pinging = undefined)));
    },
    async outboxStats() {
      const [row] = await query<{ backlog: number; lag: number | null; dead: number }>(
        `select count(*)::int as backlog,
                extract(epoch from clock_timestamp() - min(created_at))::float8 as lag,
                (select count(*)::int from outbox_dead_letters) as dead
         from outbox_events where published_at is null`,
      );
      return { backlog: row?.backlog ?? 0, oldestPendingSeconds: Math.max(row?.lag ?? 0, 0), deadLetters: row?.dead ?? 0 };
    },
    async replicationState() {
      const [row] = await query<{ caught_up: boolean | null; since: number | null }>(
        `select pg_last_wal_receive_lsn() is not distinct from pg_last_wal_replay_lsn() as caught_up,
                extract(epoch from clock_timestamp() - pg_last_xact_replay_timestamp())::float8 as since`,
      );
      return { caughtUp: row?.caught_up ?? true, sinceLastReplaySeconds: Math.max(row?.since ?? 0, 0) };
    },
    async close() {
      closed = true;
      const current = connection;
      connection = undefined;
      await current?.then((client) => endWithin(client, 1000), () => {});
    },
  };
}
