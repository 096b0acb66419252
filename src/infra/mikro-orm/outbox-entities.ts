/**
 * The transactional outbox: events are written in the same transaction as the change they
 * describe, then relayed to the event bus and kept for a retention period to serve replays.
 */
import { defineEntity, p } from "@mikro-orm/core";

/** What an event is, in both tables (the outbox and the dead letters); fresh builders for each. */
const eventColumns = () => ({
  type: p.text(),
  stream: p.text(),
  aggregateId: p.uuid(),
  userId: p.uuid(),
  occurredAt: p.datetime().columnType("timestamptz"),
  data: p.json<Record<string, unknown>>(),
  traceparent: p.text().nullable(),
});

export const OutboxEventEntity = defineEntity({
  name: "OutboxEvent",
  tableName: "outbox_events",
  properties: {
    /** Insertion order; within one aggregate also commit order. */
    seq: p.bigint("number").primary().autoincrement(),
    id: p.uuid().unique("idx_outbox_events_id"),
    ...eventColumns(),
    createdAt: p.datetime().columnType("timestamptz").defaultRaw("now()"),
    publishedAt: p.datetime().columnType("timestamptz").nullable(),
    /** Publication order, assigned as the relay publishes: what replays and resumes follow. */
    position: p.bigint("number").nullable().unique("idx_outbox_events_position"),
    attempts: p.integer().default(0),
    lastError: p.text().nullable(),
  },
  indexes: [
    {
      name: "idx_outbox_events_pending",
      expression: 'create index "idx_outbox_events_pending" on "outbox_events" ("seq") where "published_at" is null',
    },
    { name: "idx_outbox_events_aggregate_id_seq", properties: ["aggregateId", "seq"] },
    { name: "idx_outbox_events_user_id_seq", properties: ["userId", "seq"] },
    { name: "idx_outbox_events_published_at", properties: ["publishedAt"] },
  ],
});

/** Events that could never be published, with why; kept for an operator to inspect. */
export const OutboxDeadLetterEntity = defineEntity({
  name: "OutboxDeadLetter",
  tableName: "outbox_dead_letters",
  properties: {
    seq: p.bigint("number").primary().autoincrement(false),
    id: p.uuid(),
    ...eventColumns(),
    createdAt: p.datetime().columnType("timestamptz"),
    attempts: p.integer(),
    error: p.text(),
    failedAt: p.datetime().columnType("timestamptz").defaultRaw("now()"),
  },
});
