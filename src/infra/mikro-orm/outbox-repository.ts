import type { EntityManager } from "@mikro-orm/postgresql";
import { sql, type RawBuilder } from "kysely";
import type { DomainEvent } from "../../domain/events/domain-event.ts";
import type { RequestMetadata } from "../../domain/shared/request-metadata.ts";
import { UnknownEventError, type EventLog, type EventOutbox, type EventRoute } from "../../domain/events/event-ports.ts";
import { isPublishable } from "../events/cloud-event.ts";
import { OutboxEventEntity } from "./outbox-entities.ts";
import { activeTraceparent } from "../../observability/telemetry.ts";
import { timestamptzToDate } from "../postgres/timestamptz.ts";

/** The channel the relay LISTENs on; a commit that appended events NOTIFYs it. */
export const OUTBOX_CHANNEL = "outbox_events";

/** An outbox row as raw queries return it. */
export interface OutboxRow {
  seq: string;
  id: string;
  type: string;
  stream: string;
  aggregate_id: string;
  user_id: string;
  occurred_at: string;
  data: Record<string, unknown>;
  traceparent: string | null;
  created_at: string;
  attempts: number;
}

export const OUTBOX_COLUMNS = sql.raw("seq, id, type, stream, aggregate_id, user_id, occurred_at, data, traceparent, created_at, attempts");

/** The event a row records, unvalidated: `toCloudEvent` checks it against its schema. */
export const eventFromRow = (row: OutboxRow): DomainEvent =>
  ({
    id: row.id,
    stream: row.stream,
    type: row.type,
    aggregateId: row.aggregate_id,
    userId: row.user_id,
    occurredAt: timestamptzToDate(row.occurred_at),
    data: row.data,
    ...(row.traceparent ? { traceparent: row.traceparent } : {}),
  }) as unknown as DomainEvent;

/** Appends events to the outbox in the unit of work's transaction. */
export function createMikroOrmOutbox(em: EntityManager, metadata: RequestMetadata = {}): EventOutbox {
  return {
    async append(events) {
      for (const event of events) {
        em.create(OutboxEventEntity, {
          id: event.id,
          type: event.type,
          stream: event.stream,
          aggregateId: event.aggregateId,
          userId: event.userId,
          occurredAt: event.occurredAt,
          data: { ...event.data },
          // The operation's own span when tracing is on (so its events link to it), else the caller's.
          traceparent: activeTraceparent() ?? metadata.traceparent ?? null,
        });
      }
      await em.flush();
      // Delivered to listeners only when (and if) the transaction commits.
      await sql`select pg_notify(${OUTBOX_CHANNEL}, '')`.execute(em.getKysely());
    },
  };
}

function routeConditions(route: EventRoute): RawBuilder<unknown> {
  const conditions = [sql`stream = ${route.stream}`];
  if (route.userId !== undefined) conditions.push(sql`user_id = ${route.userId}::uuid`);
  if (route.orderId !== undefined) conditions.push(sql`aggregate_id = ${route.orderId}::uuid`);
  return sql.join(conditions, sql` and `);
}

/** Numbered events, for replays and catch-ups. Dead-lettered events are never replayed. */
export function createMikroOrmEventLog(em: EntityManager): EventLog {
  const db = () => em.fork().getKysely();
  /** Event ids are UUIDv7s: their first 48 bits are the creation time in ms. */
  const olderThanEverythingKept = async (id: string): Promise<boolean> => {
    const createdAtMs = Number.parseInt(id.replaceAll("-", "").slice(0, 12), 16);
    const { rows } = await sql<{ oldest: string | null }>`
      select (extract(epoch from created_at) * 1000)::float8::text as oldest from outbox_events order by seq limit 1`.execute(db());
    return rows[0]?.oldest != null && createdAtMs < Number(rows[0].oldest);
  };
  return {
    async latest(route) {
      const { rows } = await sql<{ id: string; position: string }>`
        select id, position from outbox_events where position is not null and ${routeConditions(route)}
        order by position desc limit 1`.execute(db());
      return rows[0] ? { id: rows[0].id, position: Number(rows[0].position) } : null;
    },
    async positionOf(id, route) {
      const { rows } = await sql<{ position: string | null }>`
        select position from outbox_events where id = ${id}::uuid and ${routeConditions(route)}`.execute(db());
      if (!rows[0]) throw new UnknownEventError(id, await olderThanEverythingKept(id));
      return rows[0].position === null ? null : Number(rows[0].position);
    },
    async getAfter(afterId, route, limit) {
      let position = "0";
      if (afterId !== null) {
        // Only an event on the same route can anchor a replay: someone else's event id reads as
        // unknown, exactly like one that never existed.
        const { rows: anchor } = await sql<{ position: string | null }>`
          select position from outbox_events where id = ${afterId}::uuid and ${routeConditions(route)}`.execute(db());
        if (!anchor[0]) throw new UnknownEventError(afterId, await olderThanEverythingKept(afterId));
        // Not published yet: no client can have seen it, and nothing published comes after it.
        if (anchor[0].position === null) return [];
        position = anchor[0].position;
      }
      // Numbered events in position order: what live subscribers get, in that order (an event is
      // numbered, and visible here, before it is published).
      // Events that fail the wire schema are skipped and the page refilled, so a short page
      // still means "no more".
      const events: DomainEvent[] = [];
      while (events.length < limit) {
        const wanted = limit - events.length;
        const { rows } = await sql<OutboxRow & { position: string }>`
          select ${OUTBOX_COLUMNS}, position from outbox_events
          where position > ${position}::bigint and ${routeConditions(route)}
          order by position limit ${wanted}`.execute(db());
        events.push(...rows.map((row) => ({ ...eventFromRow(row), position: Number(row.position) })).filter(isPublishable));
        if (rows.length < wanted) break;
        position = rows.at(-1)!.position;
      }
      return events;
    },
  };
}
