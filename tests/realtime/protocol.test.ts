/** The graphql-transport-ws protocol as clients rely on it, and resuming after a disconnect. */
import { once } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { Instance } from "../../src/instance.ts";
import { CONFIRM_ORDER, createUser, outboxDrained, placeOrder, post, SHIP_ORDER, startTestInstance } from "../support/instances.ts";
import { subscribe } from "../support/subscriber.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

let db: TestDatabase;
let instance: Instance;

beforeAll(async () => {
  db = await createTestDatabase();
  // No REDIS_URL: the in-process bus, as `npm start` runs by default.
  instance = await startTestInstance({ databaseUrl: db.url, migrate: false, subscriptions: { connectionInitWaitTimeoutMs: 300 } });
});
afterAll(async () => {
  await instance?.close();
  await db?.drop();
});

const open = async () => {
  const socket = new WebSocket(instance.websocketUrl, "graphql-transport-ws");
  await once(socket, "open");
  return socket;
};
const closed = (socket: WebSocket) => once(socket, "close").then(([code]) => code as number);

describe("graphql-transport-ws", () => {
  it("closes with 4401 when a client subscribes before connection_init", async () => {
    const socket = await open();
    socket.send(JSON.stringify({ id: "1", type: "subscribe", payload: { query: "subscription { orderEvents { id } }" } }));
    expect(await closed(socket)).toBe(4401);
  });

  it("closes with 4408 when connection_init does not arrive in time", async () => {
    const socket = await open();
    const started = performance.now();
    expect(await closed(socket)).toBe(4408);
    expect(performance.now() - started).toBeGreaterThanOrEqual(250);
  });

  it("closes with 4429 on a second connection_init and 4400 on a malformed message", async () => {
    const twice = await open();
    twice.send(JSON.stringify({ type: "connection_init" }));
    twice.send(JSON.stringify({ type: "connection_init" }));
    expect(await closed(twice)).toBe(4429);
    const garbage = await open();
    garbage.send("{ not json");
    expect(await closed(garbage)).toBe(4400);
  });

  it("serves queries and mutations over the socket too", async () => {
    const sub = subscribe(instance.websocketUrl, `query { users(first: 1) { totalCount } }`);
    expect(await sub.waitFor(1)).toEqual([{ users: { totalCount: expect.any(Number) } }]);
    await sub.close();
  });
});

describe("resuming a subscription", () => {
  const EVENTS = `subscription($userId: ID, $after: ID) { orderEvents(userId: $userId, after: $after) { id type order { id } } }`;

  it("replays exactly the events missed while disconnected, then continues live", async () => {
    const user = await createUser(instance, "resume@example.com");
    await outboxDrained(instance);
    const first = subscribe(instance.websocketUrl, EVENTS, { userId: user });
    await first.started;
    await new Promise((resolve) => setTimeout(resolve, 100));
    const order = await placeOrder(instance, user);
    const [placed] = await first.waitFor(1);
    await first.close();

    await post(instance, CONFIRM_ORDER, { id: order });
    await post(instance, SHIP_ORDER, { id: order });
    const other = await createUser(instance, "other@example.com");
    await placeOrder(instance, other); // not this subscriber's
    await outboxDrained(instance);

    const resumed = subscribe(instance.websocketUrl, EVENTS, { userId: user, after: placed!.orderEvents.id });
    const replayed = await resumed.waitFor(2);
    expect(replayed.map((e) => e.orderEvents.type)).toEqual(["ORDER_CONFIRMED", "ORDER_SHIPPED"]);
    const later = await placeOrder(instance, user);
    const [, , live] = await resumed.waitFor(3);
    expect(live!.orderEvents).toMatchObject({ type: "ORDER_PLACED", order: { id: later } });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(resumed.received).toHaveLength(3);
    await resumed.close();
  });
});
