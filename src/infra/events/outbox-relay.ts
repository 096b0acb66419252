/**
 * The outbox relay: numbers committed events, publishes them to the event bus and marks them
 * published.
 *
 * - Every instance runs one. They take turns: a relay works only while it holds a
 *   transaction-scoped advisory lock, so any instance can take over the moment another stops.
 *   Each event gets the next `position` in one global order and is published in that order, so
 *   live delivery and replays follow the same order.
 * - A position is committed before its event is published (two transactions per step), so an
 *   event is visible to replays before any subscriber can receive it live; a subscriber that
 *   attaches live first and then reads its replay misses nothing (see relayBatch).
 * - A batch is published in one pipelined round trip. It wakes on NOTIFY after a commit and also
 *   polls, retries with backoff while the bus is down (numbered events wait and are published in
 *   order when it is back), moves events that can never be published to outbox_dead_letters
 *   after a few attempts, and prunes published events once they are older than the retention
 *   period. */
import { setTimeout as sleep } from "node:timers/promises";
import type { MikroORM } from "@mikro-orm/postgresql";
import { sql, type Kysely } from "kysely";
import pg from "pg";
import { endWithin } from "../postgres/connection.ts";
import type { Logger } from "../../observability/logger.ts";
import { eventFromRow, OUTBOX_CHANNEL, OUTBOX_COLUMNS, type OutboxRow } from "../mikro-orm/outbox-repository.ts";
import { InvalidEventError, toCloudEvent, type CloudEvent } from "./cloud-event.ts";

/** How the relay works; each has its default here and nowhere else. */
export interface OutboxRelayTuning {
  /** Rows claimed per transaction (default 100). */
  readonly batchSize?: number;
  /** How often to look for work without a NOTIFY (default 1000 ms). */
  readonly pollIntervalMs?: number;
  /** Failed publish attempts before an invalid event is dead-lettered (default 3). */
  readonly maxAttempts?: number;
  /** How long published events are kept for replays (default 24 h). */
  readonly retentionMs?: number;
  /** How often to prune (default 60 s). */
  readonly pruneIntervalMs?: number;
}

export interface OutboxRelayOptions extends OutboxRelayTuning {
  readonly orm: MikroORM;
  /** For the LISTEN connection (a dedicated client, not one from the pool). */
  readonly databaseUrl: string;
  /** Publishes a batch in order (one round trip); rejects when the bus is unreachable. */
  readonly publish: (events: readonly CloudEvent[]) => Promise<void>;
  readonly logger: Logger;
}

/** The relay's SQL runs on raw rows; no table types. */
type Db = Kysely<object>;

export interface OutboxRelay {
  start(): void;
  /** Finishes the current batch, then stops; resolves when it has. */
  stop(): Promise<void>;
  /** Looks for work now instead of at the next NOTIFY or poll. */
  wake(): void;
  /** Relays one batch; for tests and tools. Resolves with the number of events handled. */
  relayBatch(): Promise<number>;
  /** Deletes published events older than the retention period. */
  prune(): Promise<number>;
}

/** The advisory lock a relay holds while publishing (an arbitrary, fixed 64-bit key). */
const RELAY_LOCK_KEY = 0x6f7264657267n; // "orderg"

export function createOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const { orm, publish, logger } = options;
  const batchSize = options.batchSize ?? 100;
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  const maxAttempts = options.maxAttempts ?? 3;
  const retentionMs = options.retentionMs ?? 24 * 60 * 60 * 1000;
  const pruneIntervalMs = options.pruneIntervalMs ?? 60_000;

  let stopped = true;
  let running: Promise<void> | undefined;
  let pending = false;
  let wakeUp: (() => void) | undefined;
  let listener: { stop(): Promise<void> } | undefined;

  const wake = () => {
    pending = true;
    wakeUp?.();
  };

  /**
   * One relay step, in two transactions under the relay lock. First the pending events are
   * numbered (their `position` is committed, so replays see them from then on); then the
   * numbered but unpublished ones are published, in position order, in one pipelined round trip,
   * and marked published. Publishing only events whose position is already committed is what
   * makes resumes exact: a subscriber attaches live before it reads its replay, so an event is
   * either in the replay (committed before it was read) or published after it attached.
   * Resolves with the number of events handled (numbered or published).
   */
  async function relayBatch(): Promise<number> {
    const sequenced = await sequencePending();
    const published = await publishSequenced();
    return Math.max(sequenced, published);
  }

  /** Runs `work` in a transaction holding the relay lock; 0 when another relay holds it. */
  async function underRelayLock(work: (db: Db) => Promise<number>): Promise<number> {
    return orm.em.fork().transactional(async (em) => {
      const db = em.getKysely();
      const { rows: lock } = await sql<{ locked: boolean }>`select pg_try_advisory_xact_lock(${RELAY_LOCK_KEY}) as locked`.execute(db);
      if (!lock[0]?.locked) return 0; // another relay is at work; it takes these too
      return work(db);
    });
  }

  /** Numbers up to a batch of pending events, in insertion order; invalid ones wait or are dead-lettered. */
  function sequencePending(): Promise<number> {
    return underRelayLock(async (db) => {
      const { rows: claimed } = await sql<OutboxRow>`
        select ${OUTBOX_COLUMNS} from outbox_events where position is null
        order by seq limit ${batchSize} for update skip locked`.execute(db);
      const valid: string[] = [];
      const failed = new Set<string>(); // aggregates whose event failed validation: their later events wait
      for (const row of claimed) {
        if (failed.has(row.aggregate_id)) continue;
        try {
          toCloudEvent(eventFromRow(row), row.traceparent);
        } catch (error) {
          if (!(error instanceof InvalidEventError)) throw error;
          failed.add(row.aggregate_id);
          await recordFailure(db, row, error.message);
          continue;
        }
        valid.push(row.seq);
      }
      if (valid.length > 0) {
        await sql`
          update outbox_events as o set position = last.position + numbered.ordinality
          from (select coalesce(max(position), 0) as position from outbox_events) as last,
               unnest(${valid}::bigint[]) with ordinality as numbered(seq, ordinality)
          where o.seq = numbered.seq`.execute(db);
      }
      return valid.length;
    });
  }

  /** Publishes numbered events not yet published (also any a crashed relay left), in position order. */
  function publishSequenced(): Promise<number> {
    return underRelayLock(async (db) => {
      const { rows } = await sql<OutboxRow & { position: string }>`
        select ${OUTBOX_COLUMNS}, position from outbox_events
        where published_at is null and position is not null
        order by position limit ${batchSize}`.execute(db);
      if (rows.length === 0) return 0;
      await publish(rows.map((row) => toCloudEvent({ ...eventFromRow(row), position: Number(row.position) }, row.traceparent)));
      await sql`update outbox_events set published_at = now() where seq = any(${rows.map((row) => row.seq)}::bigint[])`.execute(db);
      return rows.length;
    });
  }

  async function recordFailure(db: Db, row: OutboxRow, error: string) {
    if (row.attempts + 1 < maxAttempts) {
      await sql`update outbox_events set attempts = attempts + 1, last_error = ${error} where seq = ${row.seq}::bigint`.execute(db);
      logger.warn({ eventId: row.id, type: row.type, attempt: row.attempts + 1, error }, "event failed validation; will retry");
      return;
    }
    await sql`
      insert into outbox_dead_letters (seq, id, type, stream, aggregate_id, user_id, occurred_at, data, traceparent, created_at, attempts, error)
      select seq, id, type, stream, aggregate_id, user_id, occurred_at, data, traceparent, created_at, attempts + 1, ${error}
      from outbox_events where seq = ${row.seq}::bigint`.execute(db);
    await sql`delete from outbox_events where seq = ${row.seq}::bigint`.execute(db);
    const { rows } = await sql<{ count: number }>`select count(*)::int as count from outbox_dead_letters`.execute(db);
    logger.error({ eventId: row.id, type: row.type, error, deadLetters: rows[0]?.count }, "event moved to outbox_dead_letters");
  }

  async function prune(): Promise<number> {
    let total = 0;
    for (;;) {
      // The newest published event is kept, so positions keep growing after an idle period.
      const { rows } = await sql<{ count: number }>`
        with pruned as (
          delete from outbox_events where seq in (
            select seq from outbox_events
            where published_at < now() - make_interval(secs => ${retentionMs / 1000})
              and position < (select max(position) from outbox_events)
            limit 10000)
          returning 1)
        select count(*)::int as count from pruned`.execute(orm.em.fork().getKysely());
      const count = rows[0]?.count ?? 0;
      total += count;
      if (count < 10_000) return total;
    }
  }

  async function loop() {
    let backoffMs = 0;
    let lastPrune = 0;
    while (!stopped) {
      pending = false;
      try {
        const handled = await relayBatch();
        if (backoffMs > 0) logger.info("event bus reachable again; relaying resumed");
        backoffMs = 0;
        if (Date.now() - lastPrune > pruneIntervalMs) {
          lastPrune = Date.now();
          const pruned = await prune();
          if (pruned > 0) logger.debug({ pruned }, "pruned published outbox events");
        }
        if (handled === batchSize) continue;
      } catch (error) {
        if (backoffMs === 0) logger.warn({ err: error }, "could not relay events; retrying with backoff");
        backoffMs = Math.min(Math.max(100, backoffMs * 2), 5000);
        await idle(backoffMs);
        continue;
      }
      if (!pending) await idle(pollIntervalMs);
    }
  }

  /** Waits until `ms` pass, `wake()` is called or the relay stops. */
  async function idle(ms: number) {
    if (stopped) return;
    const controller = new AbortController();
    wakeUp = () => controller.abort();
    await sleep(ms, undefined, { signal: controller.signal }).catch(() => {});
    wakeUp = undefined;
  }

  return {
    start() {
      if (!stopped) return;
      stopped = false;
      listener = listen(options.databaseUrl, wake, logger);
      running = loop();
    },
    async stop() {
      stopped = true;
      wakeUp?.();
      await running;
      await listener?.stop();
    },
    wake,
    relayBatch,
    prune,
  };
}

/**
 * LISTENs for commits that appended events, on a dedicated connection that reconnects with
 * backoff; every (re)connect also wakes the relay, in case a NOTIFY was missed meanwhile.
 */
function listen(databaseUrl: string, onNotify: () => void, logger: Logger) {
  let stopped = false;
  let client: pg.Client | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let attempt = 0;
  const connect = async () => {
    if (stopped) return;
    const current = new pg.Client({ connectionString: databaseUrl, application_name: "ordergraph-outbox-listener", keepAlive: true, connectionTimeoutMillis: 5000 });
    client = current;
    let failed = false;
    const retry = () => {
      if (failed || stopped) return;
      failed = true;
      current.removeAllListeners("notification");
      current.end().catch(() => {});
      retryTimer = setTimeout(() => void connect(), Math.min(30_000, 100 * 2 ** attempt++));
    };
    current.on("error", (error) => {
      logger.debug({ err: error }, "outbox listener connection error");
      retry();
    });
    current.on("end", retry);
    try {
      await current.connect();
      if (stopped) {
        await current.end();
        return;
      }
      current.on("notification", onNotify);
      await current.query(`LISTEN ${OUTBOX_CHANNEL}`);
      attempt = 0;
      onNotify();
    } catch {
      retry();
    }
  };
  void connect();
  return {
    async stop() {
      stopped = true;
      clearTimeout(retryTimer);
      await endWithin(client, 1000);
    },
  };
}
