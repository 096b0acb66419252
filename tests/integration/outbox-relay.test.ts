/** The relay on its own: what it publishes, in which order, and what it does with bad events. */
import pg from "pg";
import { pino } from "pino";
import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import { newId } from "../../src/domain/shared/ids.ts";
import type { CloudEvent } from "../../src/infra/events/cloud-event.ts";
import { createOutboxRelay } from "../../src/infra/events/outbox-relay.ts";
import { createMikroOrmEventLog } from "../../src/infra/mikro-orm/outbox-repository.ts";
import { createTestApp } from "../support/test-app.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

let db: TestDatabase;
const logs: Record<string, any>[] = [];
const logger = pino({ level: "debug" }, { write: (line: string) => void logs.push(JSON.parse(line)) });
let published: CloudEvent[];

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());
beforeEach(async () => {
  published = [];
  logs.length = 0;
  await db.orm.em.fork().execute("truncate outbox_events, outbox_dead_letters, users, orders cascade");
});

const relay = (overrides: { maxAttempts?: number; retentionMs?: number; batchSize?: number; failPublish?: () => boolean } = {}) =>
  createOutboxRelay({
    orm: db.orm,
    databaseUrl: db.url,
    logger,
    batchSize: overrides.batchSize,
    maxAttempts: overrides.maxAttempts,
    retentionMs: overrides.retentionMs,
    publish: async (events) => {
      if (overrides.failPublish?.()) throw new Error("bus down");
      published.push(...events);
    },
  });

async function insertEvent(aggregateId: string, data: Record<string, unknown>, type = "order.placed") {
  const id = newId();
  await db.orm.em.fork().execute(
    `insert into outbox_events (id, type, stream, aggregate_id, user_id, occurred_at, data) values (?, ?, 'order', ?, ?, now(), ?)`,
    [id, type, aggregateId, aggregateId, JSON.stringify(data)],
  );
  return id;
}

const validData = (orderId: string) => ({ orderId, userId: orderId, status: "PENDING", previousStatus: null, version: 1, totalCents: 100, currency: "USD" });

it("publishes each committed mutation's event as a valid CloudEvent carrying the request's traceparent", async () => {
  const api = createTestApp(db);
  const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  const { data } = await api.graphql(`mutation { createUser(input: { email: "t@example.com", name: "T" }) { user { id } } }`, {}, { traceparent });
  expect(data?.createUser.user.id).toBeDefined();
  expect(await relay().relayBatch()).toBe(1);
  expect(published).toEqual([
    {
      specversion: "1.0",
      id: expect.any(String),
      source: "/ordergraph/users",
      type: "user.created",
      time: expect.stringMatching(/Z$/),
      subject: expect.any(String),
      datacontenttype: "application/json",
      data: { userId: expect.any(String), status: "ACTIVE", version: 1 },
      traceparent,
      position: expect.any(Number),
    },
  ]);
  expect(await relay().relayBatch()).toBe(0);
});

it("writes no event when the mutation fails", async () => {
  const api = createTestApp(db);
  await api.graphql(`mutation { createUser(input: { email: "bad", name: "" }) { errors { code } } }`);
  const [row] = await db.orm.em.fork().execute<{ count: number }[]>("select count(*)::int as count from outbox_events");
  expect(row?.count).toBe(0);
});

it("dead-letters an event that never passes its schema after a few attempts, keeping its aggregate's later events in order", async () => {
  const [a, b] = [newId(), newId()];
  const broken = await insertEvent(a, { orderId: a }); // missing fields
  const afterBroken = await insertEvent(a, validData(a), "order.placed");
  const other = await insertEvent(b, validData(b));
  const r = relay({ maxAttempts: 3 });

  await r.relayBatch();
  expect(published.map((e) => e.id)).toEqual([other]);
  await r.relayBatch();
  expect(published.map((e) => e.id)).toEqual([other]);
  await r.relayBatch(); // third failure: moved aside
  await r.relayBatch();
  expect(published.map((e) => e.id)).toEqual([other, afterBroken]);

  const dead = await db.orm.em.fork().execute<{ id: string; attempts: number; error: string }[]>("select id, attempts, error from outbox_dead_letters");
  expect(dead).toEqual([{ id: broken, attempts: 3, error: expect.stringContaining("breaks its schema") }]);
  expect(logs.find((line) => line.msg === "event moved to outbox_dead_letters")).toMatchObject({ eventId: broken, deadLetters: 1 });
});

it("publishes in batches, oldest first, numbering events in publication order", async () => {
  const [x, y, z] = [newId(), newId(), newId()];
  const ids = [await insertEvent(x, validData(x)), await insertEvent(y, validData(y)), await insertEvent(z, validData(z))];
  const later = await insertEvent(y, { ...validData(y), status: "CONFIRMED", previousStatus: "PENDING", version: 2 }, "order.confirmed");
  const r = relay({ batchSize: 3 });
  expect(await r.relayBatch()).toBe(3);
  expect(published.map((e) => e.id)).toEqual(ids);
  expect(await r.relayBatch()).toBe(1);
  expect(published.map((e) => e.id)).toEqual([...ids, later]);
  const positions = await db.orm.em.fork().execute<{ id: string; position: string }[]>("select id, position from outbox_events order by position");
  expect(positions.map((row) => row.id)).toEqual([...ids, later]);
  expect(positions.map((row) => Number(row.position))).toEqual([1, 2, 3, 4]);
});

it("lets one relay publish at a time; the other stands by", async () => {
  const id = newId();
  await insertEvent(id, validData(id));
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let publishing = false;
  const slow = createOutboxRelay({ orm: db.orm, databaseUrl: db.url, logger, publish: async (events) => {
    publishing = true;
    await held;
    published.push(...events);
  } });
  const first = slow.relayBatch();
  // The slow relay is publishing, holding the relay lock.
  await expect.poll(() => publishing).toBe(true);
  expect(await relay().relayBatch()).toBe(0);
  release();
  expect(await first).toBe(1);
  expect(published).toHaveLength(1);
});

it("keeps events pending while the bus is down and publishes them in order once it is back", async () => {
  const id = newId();
  const events = [await insertEvent(id, validData(id)), await insertEvent(id, { ...validData(id), status: "CONFIRMED", previousStatus: "PENDING", version: 2 }, "order.confirmed")];
  let down = true;
  const r = relay({ failPublish: () => down });
  await expect(r.relayBatch()).rejects.toThrow("bus down");
  const [pending] = await db.orm.em.fork().execute<{ count: number }[]>("select count(*)::int as count from outbox_events where published_at is null");
  expect(pending?.count).toBe(2);
  down = false;
  expect(await r.relayBatch()).toBe(2);
  expect(published.map((e) => e.id)).toEqual(events);
});

it("prunes published events older than the retention period, never pending ones nor the newest", async () => {
  const [old, newest, pending] = [newId(), newId(), newId()];
  await insertEvent(old, validData(old));
  await insertEvent(newest, validData(newest));
  await relay().relayBatch();
  await insertEvent(pending, validData(pending));
  await db.orm.em.fork().execute("update outbox_events set published_at = now() - interval '2 hours' where published_at is not null");
  expect(await relay({ retentionMs: 3_600_000 }).prune()).toBe(1);
  const rows = await db.orm.em.fork().execute<{ aggregate_id: string }[]>("select aggregate_id from outbox_events order by seq");
  expect(rows.map((row) => row.aggregate_id)).toEqual([newest, pending]);
});

it("replays published events in publication order, skipping any that break the schema without ending a page early", async () => {
  const order = newId();
  const anchor = await insertEvent(order, validData(order));
  const next = [await insertEvent(order, validData(order)), await insertEvent(order, validData(order))];
  const unpublished = await insertEvent(newId(), validData(order));
  await relay({ batchSize: 3 }).relayBatch();
  // An event published under an older schema that no longer passes today's.
  const legacy = newId();
  await db.orm.em.fork().execute(
    `insert into outbox_events (id, type, stream, aggregate_id, user_id, occurred_at, data, published_at, position)
     select ?, 'order.placed', 'order', ?, ?, now(), '{}', now(), 2 + (select max(position) from outbox_events)`,
    [legacy, order, order],
  );
  const last = await insertEvent(order, validData(order));
  await relay({ batchSize: 10 }).relayBatch();
  expect(published.map((e) => e.id)).toEqual([anchor, ...next, unpublished, last]);

  const log = createMikroOrmEventLog(db.orm.em);
  const route = { stream: "order" as const, orderId: order };
  expect((await log.getAfter(anchor, route, 2)).map((e) => e.id)).toEqual(next);
  expect((await log.getAfter(next[1]!, route, 1)).map((e) => e.id)).toEqual([last]);
  expect((await log.getAfter(null, route, 10)).map((e) => e.id)).toEqual([anchor, ...next, last]);
  expect((await log.latest(route))?.id).toBe(last);
  await expect(log.getAfter(newId(), route, 1)).rejects.toThrow(/no event has id/);
});

it("resumes exactly after the event a client saw, even when an earlier-inserted event commits later", async () => {
  const [slow, fast] = [newId(), newId()];
  const writer = new pg.Client({ connectionString: db.url });
  await writer.connect();
  try {
    // A transaction inserts its event first but commits last: insertion order is not commit order.
    await writer.query("begin");
    const slowEvent = newId();
    await writer.query(`insert into outbox_events (id, type, stream, aggregate_id, user_id, occurred_at, data) values ($1, 'order.placed', 'order', $2, $2, now(), $3)`, [
      slowEvent,
      slow,
      JSON.stringify(validData(slow)),
    ]);
    const fastEvent = await insertEvent(fast, validData(fast));
    await relay().relayBatch();
    expect(published.map((e) => e.id)).toEqual([fastEvent]);
    await writer.query("commit");
    await relay().relayBatch();
    expect(published.map((e) => e.id)).toEqual([fastEvent, slowEvent]);

    // A client that saw only the fast event resumes after it and gets the slow one, once.
    const log = createMikroOrmEventLog(db.orm.em);
    expect((await log.getAfter(fastEvent, { stream: "order" }, 10)).map((e) => e.id)).toEqual([slowEvent]);
    expect(await log.getAfter(slowEvent, { stream: "order" }, 10)).toEqual([]);
  } finally {
    await writer.end();
  }
});
