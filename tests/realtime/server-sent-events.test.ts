/**
 * Subscriptions over server-sent events, through the `graphql-sse` client (distinct connections
 * mode), with the same rules as over WebSocket: authentication by the Authorization header, the
 * per-user limit over both transports, resume with `after:`, exactly-once delivery under
 * concurrent writes, an end the client can act on when the token expires, the subscriber stops
 * reading or the instance stops, and headers that keep proxies from buffering.
 */
import { request as httpRequest, type IncomingMessage } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { issueToken } from "../../src/infra/auth/token-issuer.ts";
import type { Instance } from "../../src/instance.ts";
import { ADMIN_AUTHORIZATION, bearer, customerToken, TEST_JWT_SECRET } from "../support/auth.ts";
import { CONFIRM_ORDER, createUser, outboxDrained, placeOrder, post, rawId, SHIP_ORDER, startTestInstance } from "../support/instances.ts";
import { subscribeOverSse } from "../support/sse-subscriber.ts";
import { subscribe } from "../support/subscriber.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

let db: TestDatabase;
let instance: Instance;

beforeAll(async () => {
  db = await createTestDatabase();
  instance = await startTestInstance({ databaseUrl: db.url, migrate: false, subscriptions: { perUser: 3 } });
});
afterAll(async () => {
  await instance?.close();
  await db?.drop();
});

const EVENTS = `subscription($userId: ID, $after: ID) { orderEvents(userId: $userId, after: $after) { id type order { id } } }`;
type OrderEvents = { orderEvents: { id: string; type: string; order: { id: string } } };

/** Waits until the instance holds `count` streams, then a moment for their feeds to anchor. */
async function streamsOpen(on: Instance, count: number) {
  await expect.poll(() => on.app.serverSentEvents.open, { timeout: 5000, interval: 20 }).toBe(count);
  await sleep(150);
}

describe("subscriptions over server-sent events", () => {
  it("delivers events to a graphql-sse client, with headers that keep proxies from buffering", async () => {
    const user = await createUser(instance, "sse-basic@example.com");
    await outboxDrained(instance);
    const sub = subscribeOverSse<OrderEvents>(instance.url, EVENTS, { userId: user });
    await streamsOpen(instance, 1);
    const order = await placeOrder(instance, user);
    await post(instance, CONFIRM_ORDER, { id: order });
    const events = await sub.waitFor(2);
    expect(events.map((event) => event.orderEvents.type)).toEqual(["ORDER_PLACED", "ORDER_CONFIRMED"]);
    expect(events[0]!.orderEvents.order.id).toBe(order);
    sub.close();
    await expect.poll(() => instance.app.serverSentEvents.open).toBe(0);

    const response = await fetch(instance.url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream", authorization: ADMIN_AUTHORIZATION },
      body: JSON.stringify({ query: "subscription { orderEvents { id } }" }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expect(response.headers.get("x-accel-buffering")).toBe("no");
    expect(response.headers.get("cache-control")).toBe("no-cache");
    expect(response.headers.get("content-encoding")).toBeNull();
    // Idle streams get keep-alive comments (yoga sends one every 12 s; every 300 ms under NODE_ENV=test).
    const reader = response.body!.getReader();
    let text = "";
    const until = Date.now() + 3000;
    while ((text.match(/^:\n\n/gm)?.length ?? 0) < 2 && Date.now() < until) text += new TextDecoder().decode((await reader.read()).value);
    expect(text.match(/^:\n\n/gm)?.length).toBeGreaterThanOrEqual(2);
    await reader.cancel();
    await expect.poll(() => instance.app.serverSentEvents.open).toBe(0);
  });

  it("applies the same access rules: anonymous refused, a customer sees only their own orders", async () => {
    const anonymous = subscribeOverSse(instance.url, "subscription { orderEvents { id } }", {}, null);
    expect(await anonymous.ended).toBe("complete");
    expect(JSON.stringify(anonymous.errors)).toMatch(/UNAUTHENTICATED/);

    const alice = await createUser(instance, "sse-alice@example.com");
    const bob = await createUser(instance, "sse-bob@example.com");
    await outboxDrained(instance);
    const aliceSees = subscribeOverSse<OrderEvents>(instance.url, "subscription { orderEvents { id type order { id } } }", {}, bearer(await customerToken(rawId(alice))));
    await streamsOpen(instance, 1);
    await placeOrder(instance, bob);
    const own = await placeOrder(instance, alice);
    const [event] = await aliceSees.waitFor(1);
    expect(event!.orderEvents.order.id).toBe(own);
    await outboxDrained(instance);
    await sleep(200);
    expect(aliceSees.received).toHaveLength(1);
    aliceSees.close();
  });

  it("resumes with after: exactly the events missed, then continues live", async () => {
    const user = await createUser(instance, "sse-resume@example.com");
    await outboxDrained(instance);
    const first = subscribeOverSse<OrderEvents>(instance.url, EVENTS, { userId: user });
    await streamsOpen(instance, 1);
    const order = await placeOrder(instance, user);
    const [placed] = await first.waitFor(1);
    first.close();
    await expect.poll(() => instance.app.serverSentEvents.open).toBe(0);

    await post(instance, CONFIRM_ORDER, { id: order });
    await post(instance, SHIP_ORDER, { id: order });
    await outboxDrained(instance);
    const resumed = subscribeOverSse<OrderEvents>(instance.url, EVENTS, { userId: user, after: placed!.orderEvents.id });
    const missed = await resumed.waitFor(2);
    expect(missed.map((event) => event.orderEvents.type)).toEqual(["ORDER_CONFIRMED", "ORDER_SHIPPED"]);
    const later = await placeOrder(instance, user);
    const [, , live] = await resumed.waitFor(3);
    expect(live!.orderEvents.order.id).toBe(later);
    resumed.close();
  });

  it("delivers every committed event exactly once under concurrent writes", async () => {
    const user = await createUser(instance, "sse-load@example.com");
    await outboxDrained(instance);
    const sub = subscribeOverSse<OrderEvents>(instance.url, EVENTS, { userId: user });
    onTestFinished(() => sub.close());
    await streamsOpen(instance, 1);
    // Four writers at a time (the pool's size), each order placed and then confirmed.
    const orders: string[] = [];
    for (let batch = 0; batch < 10; batch++) {
      const placed = await Promise.all(Array.from({ length: 4 }, () => placeOrder(instance, user)));
      await Promise.all(placed.map((id) => post(instance, CONFIRM_ORDER, { id })));
      orders.push(...placed);
    }
    await outboxDrained(instance);
    const received = await sub.waitFor(80, 10_000);
    await sleep(200);
    const ids = sub.received.map((event) => event.orderEvents.id);
    expect(ids).toHaveLength(80);
    expect(new Set(ids).size).toBe(80);
    const [row] = await instance.orm.em.fork().execute<{ count: number }[]>(
      "select count(*)::int as count from outbox_events where aggregate_id = any(?::uuid[])",
      [`{${orders.map(rawId).join(",")}}`],
    );
    expect(received).toHaveLength(row!.count);
    sub.close();
  }, 30_000);

  it("counts streams and WebSocket subscriptions together against the per-user limit", async () => {
    const admin = "subscription { orderEvents { id } }";
    const overWebSocket = subscribe(instance.websocketUrl, admin);
    const one = subscribeOverSse(instance.url, admin);
    const two = subscribeOverSse(instance.url, admin);
    await streamsOpen(instance, 2);
    await overWebSocket.started;
    const third = subscribeOverSse(instance.url, admin);
    expect(await third.ended).toBe("complete");
    expect(third.errors).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: "TOO_MANY_SUBSCRIPTIONS", limit: 3 }) })]);
    const fourth = subscribe(instance.websocketUrl, admin);
    await expect(fourth.waitFor(1, 3000)).rejects.toThrow(/TOO_MANY_SUBSCRIPTIONS/);
    await fourth.close();
    // A stream that ends frees its place.
    one.close();
    await expect.poll(() => instance.app.serverSentEvents.open).toBe(1);
    const again = subscribeOverSse(instance.url, admin);
    await streamsOpen(instance, 2);
    expect(again.errors).toEqual([]);
    for (const sub of [two, again]) sub.close();
    await overWebSocket.close();
  });

  it("ends the stream when the token expires, with UNAUTHENTICATED the client can act on", async () => {
    const user = await createUser(instance, "sse-expiry@example.com");
    // Expired 28 s ago: still inside the 30 s clock skew allowed, for 2 s more.
    const shortLived = bearer(await issueToken(TEST_JWT_SECRET, { sub: rawId(user), roles: ["customer"], ttlSeconds: -28 }));
    const started = Date.now();
    const sub = subscribeOverSse(instance.url, "subscription { orderEvents { id } }", {}, shortLived);
    expect(await sub.ended).toBe("complete");
    expect(Date.now() - started).toBeGreaterThan(1000);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(sub.errors).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: "UNAUTHENTICATED", reason: "TOKEN_EXPIRED" }) })]);
    expect(instance.app.serverSentEvents.open).toBe(0);
  });
});

describe("a stream whose client stops reading", () => {
  it("holds a bounded backlog, ends with SUBSCRIBER_TOO_SLOW and cuts the connection, while everyone else is served", async () => {
    // A database of its own: with in-process buses, another instance's relay would publish half the events where this one does not listen.
    const ownDb = await createTestDatabase();
    const slowInstance = await startTestInstance({ databaseUrl: ownDb.url, migrate: false, subscriptions: { maxStallMs: 2000, maxPendingEvents: 20 } });
    try {
      const user = await createUser(slowInstance, "sse-slow@example.com");
      await outboxDrained(slowInstance);
      const big = `subscription { orderEvents { id order { id user { id name email orders(first: 100) { nodes { id status createdAt total { amount currency } items { sku name quantity unitPrice { amount currency } } } } } } } }`;
      const response = await new Promise<IncomingMessage>((resolve, reject) => {
        const request = httpRequest(slowInstance.url, { method: "POST", headers: { "content-type": "application/json", accept: "text/event-stream", authorization: ADMIN_AUTHORIZATION } }, resolve);
        request.on("error", reject);
        request.end(JSON.stringify({ query: big }));
      });
      response.pause(); // and never read: the socket's buffers fill, then yoga stops pulling events
      const healthy = subscribeOverSse<{ orderEvents: { id: string } }>(slowInstance.url, "subscription { orderEvents { id } }");
      await streamsOpen(slowInstance, 2);
      const metric = async () => Number(/graphql_slow_subscribers_closed_total (\d+)/.exec(await (await fetch(slowInstance.url.replace("/graphql", "/metrics"))).text())?.[1]);
      // Large events until the socket's buffers are full and the stream stalls past maxStallMs.
      let placed = 0;
      for (const giveUpAt = Date.now() + 30_000; (await metric()) < 1 && Date.now() < giveUpAt; placed += 4) {
        await Promise.all(Array.from({ length: 4 }, () => placeOrder(slowInstance, user)));
      }
      expect(await metric()).toBe(1);
      expect(slowInstance.app.serverSentEvents.open).toBe(1);
      await outboxDrained(slowInstance, 10_000);
      await healthy.waitFor(placed, 10_000);
      // It never read its last message: a second later the server reset the connection, so the
      // megabytes its socket held are freed (the client finds the reset when it reads again).
      await sleep(2500);
      const ended = new Promise<string>((resolve) => {
        response.on("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
        response.socket.on("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
        response.on("end", () => resolve("end"));
      });
      response.resume();
      expect(await ended).toBe("ECONNRESET");
      healthy.close();
    } finally {
      await slowInstance.close();
      await ownDb.drop();
    }
  }, 60_000);
});

it("ends every stream with SERVICE_UNAVAILABLE when the instance shuts down, without waiting for its timeout", async () => {
  const stopping = await startTestInstance({ databaseUrl: db.url, migrate: false, shutdownTimeoutMs: 20_000, drainDelayMs: 0 });
  const sub = subscribeOverSse(stopping.url, "subscription { orderEvents { id } }");
  await streamsOpen(stopping, 1);
  const started = Date.now();
  await stopping.close();
  expect(Date.now() - started).toBeLessThan(5000);
  expect(await sub.ended).toBe("complete");
  expect(sub.errors).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: "SERVICE_UNAVAILABLE" }) })]);
});
