/**
 * node-postgres, made to fail fast when PostgreSQL does not answer and to shed load before it
 * queues up. Two pieces, both installed through the pool MikroORM creates:
 *
 * - `guardedClient`: every statement honours the operation's deadline (`deadline.ts`): none is
 *   sent after it, one still running at it is cancelled (a protocol cancel request, which keeps
 *   the connection), and one the server does not answer `graceMs` after it should have been
 *   cancelled (a frozen host, a network black hole) has its socket destroyed, so the query fails
 *   and the pool discards the connection. Without a deadline, the server's `statement_timeout`
 *   is the point after which the grace runs.
 * - `guardPool`: a wait for a pool connection ends at the operation's deadline (and at the pool's
 *   connection timeout), so a request that has already timed out never runs its query. How many
 *   operations may wait at all is decided before they start (plugins/operation-budget.ts).
 */
import { connect as connectTcp, type Socket } from "node:net";
import pg from "pg";
import { currentDeadline } from "./deadline.ts";
import { DATABASE_DEADLINE, DATABASE_NOT_ANSWERING, DatabaseFailure } from "./failures.ts";

export interface StatementGuard {
  /** The server's statement_timeout in ms: without a deadline, when the grace starts (none: no limit). */
  readonly statementTimeoutMs?: number;
  /** How long past a cancel (or the statement timeout) to wait for any answer before giving up the connection. */
  readonly graceMs: number;
}

type QueryArgs = [config: unknown, values?: unknown, callback?: unknown];

/** PostgreSQL's feature_not_supported, which "cached plan must not change result type" is. */
const STALE_PLAN = "0A000";

/** How many distinct statements get a name; later ones run unnamed (the application's are a few dozen). */
const NAMED_STATEMENTS_MAX = 500;
const statementNames = new Map<string, string>();

/**
 * A parameterized statement as a named prepared statement: each connection parses it once, and
 * PostgreSQL plans it once per connection (a generic plan after five runs) instead of parsing
 * and planning every execution. The application's SQL is a fixed set of texts with parameters,
 * so the names are few; past `NAMED_STATEMENTS_MAX` distinct texts, the rest run unnamed.
 */
function preparedForm(config: unknown, values: unknown): [config: unknown, values?: unknown] {
  if (typeof config !== "string" || !Array.isArray(values) || values.length === 0) return [config, values];
  let name = statementNames.get(config);
  if (name === undefined) {
    if (statementNames.size >= NAMED_STATEMENTS_MAX) return [config, values];
    statementNames.set(config, (name = `og${statementNames.size}`));
  }
  return [{ name, text: config, values }];
}

/**
 * A `pg.Client` class (for the pool's `Client` option) whose statements honour deadlines, and
 * which the pool discards when it comes back inside a transaction (whatever the layers above
 * did, a connection with an open or failed transaction is never handed to the next caller) or
 * after a cancel request was sent for it (a cancel travels on its own connection and may arrive
 * after the statement it was meant for, when it would cancel the next caller's).
 */
export function guardedClient(guard: StatementGuard): typeof pg.Client {
  return class GuardedClient extends pg.Client {
    #release?: (error?: Error | boolean) => void;
    /** Set once a cancel request went out: it may land on whatever runs next, so never reuse this connection. */
    #cancelSent = false;
    /** Set once a prepared statement's cached plan went stale: the connection's other prepared statements may have too. */
    #stalePlans = false;

    // pg-pool assigns `release` at every checkout; releasing with an error discards the client.
    set release(release: (error?: Error | boolean) => void) {
      this.#release = release;
    }
    get release(): (error?: Error | boolean) => void {
      return (error) => {
        const status = (this as unknown as { _txStatus?: string | null })._txStatus;
        const discard = this.#cancelSent
          ? "a cancel request was sent on it"
          : this.#stalePlans
            ? "its prepared statements' plans went stale"
            : status === "T" || status === "E"
              ? "released inside a transaction"
              : undefined;
        this.#release?.(error ?? (discard ? new Error(discard) : undefined));
      };
    }

    override query(...args: QueryArgs): never {
      const [config, values, callback] = args;
      // Callback and submittable (cursor) forms are left alone; Kysely and MikroORM use promises.
      if (typeof callback === "function" || typeof values === "function" || typeof (config as { submit?: unknown } | null)?.submit === "function") {
        return (super.query as (...a: QueryArgs) => never)(...args);
      }
      const now = Date.now();
      const deadline = currentDeadline();
      if (deadline !== undefined && deadline <= now) {
        return Promise.reject(new DatabaseFailure(DATABASE_DEADLINE, "The operation ran out of time before its next statement was sent.")) as never;
      }
      // pg's callback form, in a promise of our own: with pg's promise form the awaiting caller
      // (a request's whole context) outlived the statement until the next full collection (every
      // scavenge copied and then promoted it; measured with --trace-gc-nvp, docs/decisions.md).
      // The stack is re-captured on failure, as pg's promise form does.
      const query = (super.query as (...a: QueryArgs) => void).bind(this);
      const send = (config: unknown, values?: unknown) =>
        // A copy: pg sets `callback` on the object it is given, and a caller's object must not carry it.
        new Promise<unknown>((resolve, reject) =>
          query(typeof config === "object" && config !== null ? { ...config } : config, values, (error: Error | null, result: unknown) => (error ? reject(error) : resolve(result))),
        ).catch((error: unknown) => {
          if (error instanceof Error) Error.captureStackTrace(error);
          throw error;
        });
      const prepared = preparedForm(config, values);
      const inTransaction = (this as unknown as { _txStatus?: string | null })._txStatus !== "I";
      const result = prepared.length === 1 ? send(...prepared).catch((error: unknown) => this.#afterPreparedFailed(error, inTransaction, () => send(config, values))) : send(config, values);
      const serverLimitMs = guard.statementTimeoutMs ?? Infinity;
      const cancelInMs = deadline !== undefined && deadline - now < serverLimitMs ? deadline - now : undefined;
      const cancelTimer = cancelInMs === undefined ? undefined : setTimeout(() => this.#cancel(), cancelInMs);
      const answerWithinMs = (cancelInMs ?? serverLimitMs) + guard.graceMs;
      const giveUpTimer = Number.isFinite(answerWithinMs) ? setTimeout(() => this.#giveUp(), answerWithinMs) : undefined;
      const settled = () => {
        clearTimeout(cancelTimer);
        clearTimeout(giveUpTimer);
      };
      result.then(settled, settled);
      return result as never;
    }

    /**
     * A named statement whose cached plan no longer fits the table (a migration changed a column's
     * type: "cached plan must not change result type") fails on this connection every time from
     * now on: the connection is discarded when released, so the pool's next ones prepare afresh,
     * and outside a transaction the statement is run again, unnamed, at once. Inside one, the
     * transaction has failed and the error stands (the caller's retry gets another connection).
     */
    #afterPreparedFailed(error: unknown, inTransaction: boolean, again: () => Promise<unknown>): Promise<unknown> {
      const { code, message } = (error ?? {}) as { code?: string; message?: string };
      if (code !== STALE_PLAN || !message?.includes("cached plan")) throw error;
      this.#stalePlans = true;
      if (inTransaction) throw error;
      return again();
    }

    /** Asks the server to cancel what this connection runs (PostgreSQL's CancelRequest message). */
    #cancel(): void {
      const self = this as unknown as { processID: number | null; secretKey: number | null; host: string; port: number };
      if (typeof self.processID !== "number" || typeof self.secretKey !== "number") return;
      this.#cancelSent = true;
      const message = Buffer.alloc(16);
      message.writeInt32BE(16, 0);
      message.writeInt32BE(80877102, 4);
      message.writeInt32BE(self.processID, 8);
      message.writeInt32BE(self.secretKey, 12);
      const socket: Socket = self.host.startsWith("/") ? connectTcp(`${self.host}/.s.PGSQL.${self.port}`) : connectTcp(self.port, self.host);
      socket.setTimeout(guard.graceMs, () => socket.destroy());
      socket.on("error", () => {}); // best effort: the give-up timer still bounds the query
      socket.on("connect", () => socket.end(message));
    }

    /** The server did not answer: fail the query and make the pool discard this connection. */
    #giveUp(): void {
      const stream = (this as unknown as { connection?: { stream?: Socket } }).connection?.stream;
      stream?.destroy(new DatabaseFailure(DATABASE_NOT_ANSWERING, `PostgreSQL did not answer within ${guard.graceMs} ms of the statement's time limit; the connection was closed.`));
    }
  };
}

/**
 * Wraps `pool.connect` (what Kysely calls for every statement and transaction) so the wait ends at
 * the operation's deadline. Work without a deadline (the outbox relay, migrations) waits as usual.
 */
export function guardPool(pool: pg.Pool): void {
  const connect = pool.connect.bind(pool) as (callback?: unknown) => Promise<pg.PoolClient>;
  (pool as { connect: unknown }).connect = (callback?: unknown) => {
    if (typeof callback === "function") return connect(callback);
    const deadline = currentDeadline();
    if (deadline === undefined) return connect();
    const waitMs = deadline - Date.now();
    if (waitMs <= 0) return Promise.reject(new DatabaseFailure(DATABASE_DEADLINE, "The operation ran out of time waiting for a database connection."));
    const acquired = connect();
    return new Promise<pg.PoolClient>((resolve, reject) => {
      let late = false;
      const timer = setTimeout(() => {
        late = true;
        reject(new DatabaseFailure(DATABASE_DEADLINE, "The operation ran out of time waiting for a database connection."));
      }, waitMs);
      acquired.then(
        (client) => {
          clearTimeout(timer);
          if (late) client.release(); // handed back unused: the timed-out query never runs
          else resolve(client);
        },
        (error: Error) => {
          clearTimeout(timer);
          if (!late) reject(error);
        },
      );
    });
  };
}

/**
 * Fails every statement running on `pool`'s connections at once and closes them, for a server
 * that stopped answering (a frozen replica): its reads fail as "connection terminated", a
 * failure the read routing retries on the primary, instead of each waiting for its deadline.
 */
export function abandonConnections(pool: pg.Pool, reason: string): void {
  // pg-pool keeps every client it opened, idle or checked out, in `_clients`.
  for (const client of (pool as unknown as { _clients?: pg.Client[] })._clients ?? []) {
    (client as unknown as { connection?: { stream?: Socket } }).connection?.stream?.destroy(new Error(`Connection terminated: ${reason}`));
  }
}
