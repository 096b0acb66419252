/**
 * Nothing is lost when Redis goes away, and nothing reaches a client twice: events wait in the
 * outbox while Redis is down, and two relays racing on one outbox never double-deliver.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { channelFor } from "../../src/infra/events/event-bus.ts";
import type { Instance } from "../../src/instance.ts";
import { CONFIRM_ORDER, createUser, outboxDrained, placeOrder, post, rawId, startTestInstance, uniqueChannelPrefix } from "../support/instances.ts";
import { startRedisServer, waitForSubscribers, type RedisServer } from "../support/redis.ts";
import { subscribe } from "../support/subscriber.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

const ORDER_EVENTS = `subscription($userId: ID) { orderEvents(userId: $userId) { id type order { id } } }`;

let db: TestDatabase;
let redis: RedisServer;
const instances: Instance[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  redis = await startRedisServer();
});
afterAll(async () => {
  await Promise.all(instances.map((instance) => instance.close()));
  await redis?.stop();
  await db?.drop();
});

describe("when Redis goes away", () => {
  it("keeps accepting mutations, and delivers every missed event exactly once when Redis is back", async () => {
    const prefix = uniqueChannelPrefix();
    const instance = await startTestInstance({ databaseUrl: db.url, redis: redis.servers, channelPrefix: prefix, migrate: false, relay: { pollIntervalMs: 100 } });
    instances.push(instance);
    const user = await createUser(instance, "outage@example.com");
    await outboxDrained(instance);
    const sub = subscribe(instance.websocketUrl, ORDER_EVENTS, { userId: user });
    await waitForSubscribers(redis.url, channelFor(prefix, { stream: "order", userId: rawId(user) }));
    await placeOrder(instance, user);
    await sub.waitFor(1);

    await redis.kill();
    const placed: string[] = [];
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      placed.push(await placeOrder(instance, user));
      expect(performance.now() - started).toBeLessThan(2000);
    }
    const [pending] = await db.orm.em.fork().execute<{ count: number }[]>("select count(*)::int as count from outbox_events where published_at is null");
    expect(pending?.count).toBe(5);

    await redis.restart();
    const events = await sub.waitFor(6, 15_000);
    expect(events.slice(1).map((e) => e.orderEvents.order.id)).toEqual(placed);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(sub.received).toHaveLength(6);
    expect(new Set(sub.received.map((e) => e.orderEvents.id)).size).toBe(6);
    await sub.close();
    // Instances sharing an outbox must share a channel prefix; the next test uses another one.
    await instance.close();
  }, 30_000);
});

describe("two relays on one outbox", () => {
  it("deliver every event once, in order per order, whichever relay publishes it", async () => {
    const prefix = uniqueChannelPrefix();
    const start = () => startTestInstance({ databaseUrl: db.url, redis: redis.servers, channelPrefix: prefix, migrate: false, relay: { batchSize: 3, pollIntervalMs: 50 } });
    const [a, b] = await Promise.all([start(), start()]);
    instances.push(a, b);
    const user = await createUser(a, "race@example.com");
    await outboxDrained(a);
    const sub = subscribe(b.websocketUrl, ORDER_EVENTS, { userId: user });
    await waitForSubscribers(redis.url, channelFor(prefix, { stream: "order", userId: rawId(user) }));

    const orders = await Promise.all(Array.from({ length: 10 }, (_, i) => placeOrder(i % 2 ? a : b, user)));
    await Promise.all(orders.map((id, i) => post(i % 2 ? b : a, CONFIRM_ORDER, { id })));
    const events = await sub.waitFor(20, 15_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(sub.received).toHaveLength(20);
    expect(new Set(events.map((e) => e.orderEvents.id)).size).toBe(20);
    for (const order of orders) {
      expect(events.filter((e) => e.orderEvents.order.id === order).map((e) => e.orderEvents.type)).toEqual(["ORDER_PLACED", "ORDER_CONFIRMED"]);
    }
    const [unpublished] = await db.orm.em.fork().execute<{ count: number }[]>("select count(*)::int as count from outbox_events where published_at is null");
    expect(unpublished?.count).toBe(0);
    await sub.close();
  }, 30_000);
});
