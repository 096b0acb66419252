/**
 * How events reach subscribers: promptly after the commit (NOTIFY, not the poll), only when
 * valid, and, when something fails, masked like any other unexpected error.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { Redis } from "ioredis";
import WebSocket from "ws";
import { ADMIN_AUTHORIZATION } from "../support/auth.ts";
import { channelFor } from "../../src/infra/events/event-bus.ts";
import type { Instance } from "../../src/instance.ts";
import { createUser, outboxDrained, placeOrder, rawId, startTestInstance, uniqueChannelPrefix } from "../support/instances.ts";
import { redisForTests, waitForSubscribers } from "../support/redis.ts";
import { subscribe } from "../support/subscriber.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

let db: TestDatabase;
let redis: Awaited<ReturnType<typeof redisForTests>>;
let instance: Instance;
let prefix: string;
const logs: Record<string, any>[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  redis = await redisForTests();
  prefix = uniqueChannelPrefix();
  // A poll interval no test waits for: delivery must come from the commit's NOTIFY.
  instance = await startTestInstance({ databaseUrl: db.url, redis: redis.servers, channelPrefix: prefix, migrate: false, relay: { pollIntervalMs: 60_000 }, logLines: logs });
});
afterAll(async () => {
  await instance?.close();
  await redis?.stop();
  await db?.drop();
});

it("delivers an event within well under a second of the commit, woken by NOTIFY", async () => {
  const user = await createUser(instance, "fast@example.com");
  await outboxDrained(instance);
  const sub = subscribe(instance.websocketUrl, `subscription($u: ID) { orderEvents(userId: $u) { type } }`, { u: user });
  await waitForSubscribers(redis.url, channelFor(prefix, { stream: "order", userId: rawId(user) }));
  const started = performance.now();
  await placeOrder(instance, user);
  await sub.waitFor(1, 1000);
  expect(performance.now() - started).toBeLessThan(500);
  await sub.close();
});

it("drops a message that is not a valid event, with a warning, and goes on delivering", async () => {
  const user = await createUser(instance, "junk@example.com");
  await outboxDrained(instance);
  const sub = subscribe(instance.websocketUrl, `subscription($u: ID) { orderEvents(userId: $u) { type order { id } } }`, { u: user });
  const channel = channelFor(prefix, { stream: "order", userId: rawId(user) });
  await waitForSubscribers(redis.url, channel);
  const publisher = new Redis(redis.url);
  await publisher.publish(channel, JSON.stringify({ specversion: "1.0", id: "not-a-uuid", type: "order.placed" }));
  await publisher.publish(channel, "not json at all");
  publisher.disconnect();
  const order = await placeOrder(instance, user);
  expect(await sub.waitFor(1)).toEqual([{ orderEvents: { type: "ORDER_PLACED", order: { id: order } } }]);
  await expect.poll(() => logs.filter((line) => line.msg === "dropped a message that is not a valid event").length).toBeGreaterThanOrEqual(1);
  await sub.close();
});

it("closes with 4409 when a client reuses the id of a running subscription", async () => {
  const socket = new WebSocket(instance.websocketUrl, "graphql-transport-ws");
  await new Promise((resolve) => socket.once("open", resolve));
  socket.send(JSON.stringify({ type: "connection_init", payload: { authorization: ADMIN_AUTHORIZATION } }));
  await new Promise((resolve) => socket.once("message", resolve)); // connection_ack
  const subscribeMessage = JSON.stringify({ id: "same", type: "subscribe", payload: { query: "subscription { userEvents { id } }" } });
  socket.send(subscribeMessage);
  socket.send(subscribeMessage);
  const [code] = await new Promise<[number]>((resolve) => socket.once("close", (closeCode) => resolve([closeCode])));
  expect(code).toBe(4409);
});

it("masks an unexpected failure while starting a subscription, with the request id in the log", async () => {
  await db.orm.em.fork().execute("alter table outbox_events rename to outbox_events_gone");
  try {
    const sub = subscribe(instance.websocketUrl, `subscription { orderEvents { id } }`);
    await expect(sub.waitFor(1, 3000)).rejects.toThrow(/Unexpected error\./);
    const text = JSON.stringify(sub.errors);
    expect(text).not.toMatch(/outbox_events|relation|stack/);
    const requestId = (sub.errors[0] as any)?.extensions?.requestId as string;
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(logs.find((line) => line.requestId === requestId && line.msg === "unexpected error in a resolver")).toBeDefined();
    await sub.close();
  } finally {
    await db.orm.em.fork().execute("alter table outbox_events_gone rename to outbox_events");
  }
});
