/**
 * Realtime under load and faults, with real PostgreSQL, a private Redis and real graphql-ws
 * clients, while clients keep placing orders: resumes opened during writes are exact, a
 * subscriber that stops reading is closed while the process lives, a backlog after a Redis outage
 * reaches a live subscriber in full, limits refuse politely, and a paused Redis never holds a
 * mutation.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { Instance } from "../../src/instance.ts";
import { ADMIN_AUTHORIZATION } from "../support/auth.ts";
import { createUser, outboxDrained, PLACE_ORDER, post, startTestInstance, uniqueChannelPrefix } from "../support/instances.ts";
import { startRedisServer, type RedisServer } from "../support/redis.ts";
import { subscribe } from "../support/subscriber.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { priced } from "../support/test-app.ts";

let db: TestDatabase;
let redis: RedisServer;
let instance: Instance;
let userId: string;
// Every instance on one outbox shares a channel prefix (any of them may relay an event).
const channelPrefix = uniqueChannelPrefix();

beforeAll(async () => {
  db = await createTestDatabase();
  redis = await startRedisServer();
  instance = await startTestInstance({
    databaseUrl: db.url,
    migrate: false,
    redis: redis.servers,
    channelPrefix,
    subscriptions: { maxStallMs: 1500, maxPendingEvents: 50, maxUnsentBytesPerSocket: 256 * 1024, perConnection: 3, perUser: 1000 },
  });
  userId = await createUser(instance, "load@example.com");
}, 60_000);
afterAll(async () => {
  await instance?.close();
  await redis?.stop();
  await db?.drop();
});

/** Clients placing orders until stopped; resolves with how many were placed. */
function writers(count: number) {
  let running = true;
  let placed = 0;
  const loops = Array.from({ length: count }, async () => {
    while (running) {
      const data = await post<{ placeOrder: { order: { id: string } | null } }>(instance, PLACE_ORDER, { userId }).catch(() => null);
      if (data?.placeOrder.order) placed++;
    }
  });
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      return placed;
    },
  };
}

/** Every event on the order stream after `after` (null: all), in position order, from the outbox. */
async function eventsAfter(after: string | null): Promise<string[]> {
  const rows = await db.orm.em
    .fork()
    .execute<{ id: string }[]>(
      `select id from outbox_events where stream = 'order' and position > coalesce((select position from outbox_events where id = ?), 0) order by position`,
      [after],
    );
  return rows.map((row) => row.id);
}

describe("resuming with after: while orders are being placed", () => {
  it("gives every resumed subscription exactly the events after its resume point, in order", async () => {
    const live = subscribe<{ orderEvents: { id: string } }>(instance.websocketUrl, "subscription { orderEvents { id } }");
    await live.started;
    const load = writers(6);
    const resumes: { after: string; subscriber: ReturnType<typeof subscribe<{ orderEvents: { id: string } }>> }[] = [];
    for (let round = 0; round < 12; round++) {
      await sleep(250);
      const after = live.received.at(-1)?.orderEvents.id;
      if (!after) continue;
      const subscriber = subscribe<{ orderEvents: { id: string } }>(instance.websocketUrl, "subscription($after: ID) { orderEvents(after: $after) { id } }", { after });
      resumes.push({ after, subscriber });
    }
    const placed = await load.stop();
    await outboxDrained(instance, 10_000);
    expect(placed).toBeGreaterThan(50);
    expect(resumes.length).toBeGreaterThan(8);
    for (const { after, subscriber } of resumes) {
      const expected = await eventsAfter(after);
      await subscriber.waitFor(expected.length, 10_000);
      await sleep(100); // nothing more may follow
      expect(subscriber.received.map((event) => event.orderEvents.id)).toEqual(expected);
      await subscriber.close();
    }
    const all = await eventsAfter(null);
    await live.waitFor(all.length, 10_000);
    expect(new Set(live.received.map((event) => event.orderEvents.id)).size).toBe(live.received.length);
    await live.close();
  }, 60_000);
});

describe("a subscriber that stops reading", () => {
  it("is closed with 1013 while the process keeps serving everyone else", async () => {
    // A raw client that subscribes to large events, then stops reading its socket.
    const socket = new WebSocket(instance.websocketUrl, "graphql-transport-ws");
    await new Promise((resolve) => socket.once("open", resolve));
    socket.send(JSON.stringify({ type: "connection_init", payload: { authorization: ADMIN_AUTHORIZATION } }));
    await new Promise((resolve) => socket.once("message", resolve));
    const big = `subscription { orderEvents { id order { id items { sku name quantity } user { id name email orders(first: 100) { nodes { id status createdAt total { amount currency } } } } } } }`;
    socket.send(JSON.stringify({ id: "1", type: "subscribe", payload: { query: big } }));
    const closed = new Promise<number>((resolve) => socket.once("close", (code) => resolve(code)));
    await sleep(200);
    (socket as unknown as { _socket: { pause(): void } })._socket.pause();
    const healthy = subscribe<{ orderEvents: { id: string } }>(instance.websocketUrl, "subscription { orderEvents { id } }");
    await healthy.started;

    const load = writers(6);
    const metric = async () => Number(/graphql_slow_subscribers_closed_total (\d+)/.exec(await (await fetch(instance.url.replace("/graphql", "/metrics"))).text())?.[1]);
    await expect.poll(metric, { timeout: 25_000, interval: 250 }).toBeGreaterThanOrEqual(1);
    const placed = await load.stop();
    expect(placed).toBeGreaterThan(0);
    await outboxDrained(instance, 10_000);
    // The close frame waited behind everything the client did not read; it reads again now.
    (socket as unknown as { _socket: { resume(): void } })._socket.resume();
    expect([1013, 1006]).toContain(await closed);
    // Everyone else was served throughout, and still is.
    await healthy.waitFor(placed, 10_000);
    expect((await post<{ users: { totalCount: number } }>(instance, "{ users { totalCount } }")).users.totalCount).toBeGreaterThan(0);
    await healthy.close();
  }, 60_000);
});

describe("subscribers that stop reading, together", () => {
  it("are closed once all unsent data passes the instance-wide bound, though each is under its own", async () => {
    const bounded = await startTestInstance({
      databaseUrl: db.url,
      migrate: false,
      redis: redis.servers,
      channelPrefix,
      subscriptions: { maxUnsentBytesPerSocket: 64 * 1024 * 1024, maxUnsentBytesTotal: 512 * 1024 },
    });
    try {
      const big = `subscription { orderEvents { id order { id items { sku name quantity } user { id name email orders(first: 100) { nodes { id status createdAt total { amount currency } } } } } } }`;
      const sockets = await Promise.all(
        [1, 2, 3].map(async () => {
          const socket = new WebSocket(bounded.websocketUrl, "graphql-transport-ws");
          await new Promise((resolve) => socket.once("open", resolve));
          socket.send(JSON.stringify({ type: "connection_init", payload: { authorization: ADMIN_AUTHORIZATION } }));
          await new Promise((resolve) => socket.once("message", resolve));
          socket.send(JSON.stringify({ id: "1", type: "subscribe", payload: { query: big } }));
          const closed = new Promise<number>((resolve) => socket.once("close", (code) => resolve(code)));
          return { socket, closed };
        }),
      );
      await sleep(200);
      for (const { socket } of sockets) (socket as unknown as { _socket: { pause(): void } })._socket.pause();
      const load = writers(6);
      const metric = async () => Number(/graphql_slow_subscribers_closed_total (\d+)/.exec(await (await fetch(bounded.url.replace("/graphql", "/metrics"))).text())?.[1]);
      await expect.poll(metric, { timeout: 25_000, interval: 250 }).toBeGreaterThanOrEqual(1);
      await load.stop();
      for (const { socket } of sockets) (socket as unknown as { _socket: { resume(): void } })._socket.resume();
      for (const { socket, closed } of sockets) {
        socket.close();
        expect([1013, 1006, 1005, 1000]).toContain(await closed);
      }
    } finally {
      await bounded.close();
    }
  }, 60_000);
});

describe("a Redis outage", () => {
  it("delivers the whole backlog, once each, to a live subscriber that selects nested fields", async () => {
    await outboxDrained(instance, 10_000);
    const [{ latest } = { latest: null }] = await db.orm.em.fork().execute<{ latest: string | null }[]>("select id as latest from outbox_events where stream = 'order' order by position desc nulls last limit 1");
    const subscriber = subscribe<{ orderEvents: { id: string; order: { items: unknown[]; user: { email: string } } } }>(
      instance.websocketUrl,
      "subscription { orderEvents { id order { id status items { sku quantity } user { email } } } }",
    );
    await subscriber.started;
    await redis.kill();
    const load = writers(6);
    await sleep(2500);
    await redis.restart();
    await sleep(1000);
    const placed = await load.stop();
    await outboxDrained(instance, 15_000);
    const expected = await eventsAfter(latest);
    expect(expected.length).toBe(placed);
    await subscriber.waitFor(expected.length, 20_000);
    await sleep(200);
    expect(subscriber.received.map((event) => event.orderEvents.id)).toEqual(expected);
    expect(subscriber.received.every((event) => event.orderEvents.order.user.email === "load@example.com")).toBe(true);
    await subscriber.close();
  }, 60_000);

  it("never holds a mutation while Redis is paused, and readiness reports it as degraded without failing", async () => {
    await redis.pause();
    try {
      const started = Date.now();
      const [order, signUp] = await Promise.all([
        post<{ placeOrder: { order: { id: string } | null } }>(instance, PLACE_ORDER, { userId }),
        fetch(instance.url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ query: `mutation { createUser(input: { email: "paused@example.com", name: "Paused" }) { user { id } errors { code } } }` }),
        }).then((response) => response.json() as Promise<{ data: { createUser: { errors: unknown[] } } }>),
      ]);
      expect(Date.now() - started).toBeLessThan(1500);
      expect(order.placeOrder.order?.id).toBeTruthy();
      expect(signUp.data.createUser.errors).toEqual([]);
      const ready = await fetch(instance.url.replace("/graphql", "/health/ready"));
      expect(ready.status).toBe(200);
      expect(((await ready.json()) as { checks: { redis: string } }).checks.redis).toMatch(/^degraded/);
    } finally {
      await redis.resume();
    }
  }, 30_000);
});

describe("resume points", () => {
  it("answers RESUME_POINT_EXPIRED for an event older than everything kept, so the client refetches", async () => {
    // A UUIDv7 from 2024: older than any event this database keeps.
    const expired = subscribe(instance.websocketUrl, "subscription($after: ID) { orderEvents(after: $after) { id } }", { after: "01900000-0000-7000-8000-000000000000" });
    const failure = await expired.waitFor(1, 3000).catch((error: Error) => error.message);
    expect(failure).toMatch(/RESUME_POINT_EXPIRED/);
    await expired.close();
  });
});

describe("subscription limits", () => {
  it("refuses a subscription over the per-connection limit and keeps the connection usable", async () => {
    const { createClient } = await import("graphql-ws");
    const client = createClient({ url: instance.websocketUrl, webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: { authorization: ADMIN_AUTHORIZATION } });
    const errors: unknown[] = [];
    const started = [0, 1, 2].map(() => client.subscribe({ query: "subscription { userEvents { id } }" }, { next: () => {}, error: (error) => errors.push(error), complete: () => {} }));
    await sleep(300);
    const refused = await new Promise<unknown>((resolve) =>
      client.subscribe({ query: "subscription { orderEvents { id } }" }, { next: () => {}, error: resolve, complete: () => resolve("completed") }),
    );
    expect(JSON.stringify(refused)).toMatch(/TOO_MANY_SUBSCRIPTIONS/);
    expect(errors).toEqual([]);
    started[0]!();
    await sleep(100);
    const answer = await new Promise<unknown>((resolve, reject) =>
      client.subscribe({ query: "{ __typename }" }, { next: resolve, error: reject, complete: () => {} }),
    );
    expect(answer).toEqual(priced({ data: { __typename: "Query" } }));
    for (const stop of started) stop();
    await client.dispose();
  });
});

describe("shared fan-out", () => {
  it("executes each event once for subscribers that must see the same result, and once per caller otherwise", async () => {
    const statements: string[] = [];
    const shared = await startTestInstance({ databaseUrl: db.url, migrate: false, redis: redis.servers, channelPrefix, onStatement: (sql) => statements.push(sql) });
    try {
      const document = "subscription { orderEvents { id order { id status } } }";
      const admins = Array.from({ length: 30 }, () => subscribe<{ orderEvents: { id: string; order: { status: string } } }>(shared.websocketUrl, document));
      await Promise.all(admins.map((subscriber) => subscriber.started));
      const other = subscribe<{ orderEvents: { id: string } }>(shared.websocketUrl, "subscription { orderEvents { id order { id } } }");
      await other.started;
      await outboxDrained(shared, 10_000);
      await sleep(200);
      statements.length = 0;
      await post(shared, PLACE_ORDER, { userId });
      await Promise.all([...admins, other].map((subscriber) => subscriber.waitFor(1, 5000)));
      const orderLookups = statements.filter((sql) => /from orders where id = any/.test(sql));
      // One execution for the 30 identical subscriptions, one for the other document.
      expect(orderLookups).toHaveLength(2);
      const ids = new Set(admins.map((subscriber) => subscriber.received[0]!.orderEvents.id));
      expect(ids.size).toBe(1);
      expect(admins.every((subscriber) => subscriber.received[0]!.orderEvents.order.status === "PENDING")).toBe(true);
      const metrics = await (await fetch(shared.url.replace("/graphql", "/metrics"))).text();
      expect(metrics).toMatch(/graphql_active_subscriptions 31/);
      await Promise.all([...admins, other].map((subscriber) => subscriber.close()));
      await expect.poll(async () => /graphql_active_subscriptions (\d+)/.exec(await (await fetch(shared.url.replace("/graphql", "/metrics"))).text())?.[1]).toBe("0");
    } finally {
      await shared.close();
    }
  }, 30_000);
});

describe("the per-user subscription limit", () => {
  it("counts a caller's subscriptions across its connections on the instance", async () => {
    const limited = await startTestInstance({ databaseUrl: db.url, migrate: false, redis: redis.servers, channelPrefix, subscriptions: { perConnection: 10, perUser: 2 } });
    try {
      const first = subscribe(limited.websocketUrl, "subscription { userEvents { id } }");
      const second = subscribe(limited.websocketUrl, "subscription { orderEvents { id } }");
      await Promise.all([first.started, second.started]);
      await sleep(200);
      const third = subscribe(limited.websocketUrl, "subscription { orderEvents { id status } }");
      expect(await third.waitFor(1, 3000).catch((error: Error) => error.message)).toMatch(/TOO_MANY_SUBSCRIPTIONS/);
      await first.close();
      await sleep(200);
      const fourth = subscribe(limited.websocketUrl, "subscription { userEvents { id type } }");
      await fourth.started;
      await sleep(300);
      expect(fourth.errors).toEqual([]);
      await Promise.all([second.close(), third.close(), fourth.close()]);
    } finally {
      await limited.close();
    }
  });
});

