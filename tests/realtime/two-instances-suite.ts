/**
 * A subscriber on instance B receives what a mutation on instance A caused: filtered by user,
 * order and type, in order, once each, with the order as it is now. Run over each kind of Redis
 * (two-instances.test.ts: one server; redis-cluster.test.ts, redis-sentinel.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Instance } from "../../src/instance.ts";
import { channelFor } from "../../src/infra/events/event-bus.ts";
import type { RedisServers } from "../../src/options.ts";
import { CANCEL_ORDER, CONFIRM_ORDER, createUser, outboxDrained, placeOrder, post, rawId, SHIP_ORDER, startTestInstance, uniqueChannelPrefix } from "../support/instances.ts";
import { subscribe } from "../support/subscriber.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

const ORDER_EVENTS = `
  subscription($userId: ID, $orderId: ID, $types: [OrderEventType!]) {
    orderEvents(userId: $userId, orderId: $orderId, types: $types) {
      id type status previousStatus occurredAt
      order { id status version user { id } }
    }
  }`;

const USER_EVENTS = `subscription($userId: ID) { userEvents(userId: $userId) { id type user { id name version status } } }`;

/** A Redis the suite's instances share, and how to tell that a subscription on it is live. */
export interface SharedRedis {
  readonly servers: RedisServers;
  /** Waits until `channel` has a subscriber on Redis. */
  waitForSubscribers(channel: string): Promise<void>;
}

/** `redis` is read once the file's own setup has run (the suite neither starts nor stops it). */
export function describeTwoInstances(name: string, redis: () => SharedRedis) {
  let db: TestDatabase;
  let a: Instance;
  let b: Instance;
  let prefix: string;
  const waitForSubscribers = (channel: string) => redis().waitForSubscribers(channel);

  describe(`subscriptions across instances, ${name}`, () => {
    beforeAll(async () => {
      db = await createTestDatabase();
      prefix = uniqueChannelPrefix();
      const start = () => startTestInstance({ databaseUrl: db.url, redis: redis().servers, channelPrefix: prefix, migrate: false });
      [a, b] = await Promise.all([start(), start()]);
    });
    afterAll(async () => {
      await Promise.all([a?.close(), b?.close()]);
      await db?.drop();
    });

    it("delivers a user's order events from A to a subscriber on B, in order and once each, with the current order", async () => {
      const alice = await createUser(a, "alice@example.com");
      const bob = await createUser(a, "bob@example.com");
      await outboxDrained(a);
      const sub = subscribe(b.websocketUrl, ORDER_EVENTS, { userId: alice });
      await waitForSubscribers(channelFor(prefix, { stream: "order", userId: rawId(alice) }));

      // Each step waits for its event, so each event must show the order as it is right then:
      // a subscription resolves every event with fresh loaders, never a cached order.
      const order = await placeOrder(a, alice);
      await placeOrder(a, bob); // someone else's: must not arrive
      await sub.waitFor(1);
      await post(a, CONFIRM_ORDER, { id: order });
      await sub.waitFor(2);
      await post(a, SHIP_ORDER, { id: order });

      const events = await sub.waitFor(3);
      expect(events.map((e) => [e.orderEvents.type, e.orderEvents.previousStatus, e.orderEvents.status, e.orderEvents.order])).toEqual([
        ["ORDER_PLACED", null, "PENDING", { id: order, status: "PENDING", version: 1, user: { id: alice } }],
        ["ORDER_CONFIRMED", "PENDING", "CONFIRMED", { id: order, status: "CONFIRMED", version: 2, user: { id: alice } }],
        ["ORDER_SHIPPED", "CONFIRMED", "SHIPPED", { id: order, status: "SHIPPED", version: 3, user: { id: alice } }],
      ]);
      expect(new Set(events.map((e) => e.orderEvents.id)).size).toBe(3);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(sub.received).toHaveLength(3);
      await sub.close();
    });

    it("filters by order and by event type", async () => {
      const carol = await createUser(a, "carol@example.com");
      const first = await placeOrder(a, carol);
      const second = await placeOrder(a, carol);
      await outboxDrained(a);
      const byOrder = subscribe(b.websocketUrl, ORDER_EVENTS, { orderId: second });
      const byType = subscribe(b.websocketUrl, ORDER_EVENTS, { userId: carol, types: ["ORDER_CANCELLED"] });
      await waitForSubscribers(channelFor(prefix, { stream: "order", orderId: rawId(second) }));
      await waitForSubscribers(channelFor(prefix, { stream: "order", userId: rawId(carol) }));

      await post(a, CONFIRM_ORDER, { id: first });
      await post(a, CANCEL_ORDER, { id: first });
      await post(a, CONFIRM_ORDER, { id: second });

      expect((await byOrder.waitFor(1)).map((e) => [e.orderEvents.order.id, e.orderEvents.type])).toEqual([[second, "ORDER_CONFIRMED"]]);
      expect((await byType.waitFor(1)).map((e) => [e.orderEvents.order.id, e.orderEvents.type])).toEqual([[first, "ORDER_CANCELLED"]]);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(byOrder.received).toHaveLength(1);
      expect(byType.received).toHaveLength(1);
      await Promise.all([byOrder.close(), byType.close()]);
    });

    it("delivers user events, for everyone or for one user", async () => {
      const all = subscribe(b.websocketUrl, USER_EVENTS);
      await waitForSubscribers(channelFor(prefix, { stream: "user" }));
      const dave = await createUser(a, "dave@example.com");
      await all.waitFor(1);
      await outboxDrained(a);
      const one = subscribe(b.websocketUrl, USER_EVENTS, { userId: dave });
      await waitForSubscribers(channelFor(prefix, { stream: "user", userId: rawId(dave) }));
      await post(a, `mutation($id: ID!) { updateUser(input: { id: $id, name: "Dave" }) { errors { code } } }`, { id: dave });
      await one.waitFor(1);
      await post(a, `mutation($id: ID!) { deactivateUser(input: { id: $id }) { errors { code } } }`, { id: dave });

      expect((await all.waitFor(3)).map((e) => e.userEvents.type)).toEqual(["USER_CREATED", "USER_UPDATED", "USER_DEACTIVATED"]);
      expect((await one.waitFor(2)).map((e) => [e.userEvents.type, e.userEvents.user.version])).toEqual([
        ["USER_UPDATED", 2],
        ["USER_DEACTIVATED", 3],
      ]);
      expect(one.received[1]!.userEvents.user).toEqual({ id: dave, name: "Dave", version: 3, status: "DEACTIVATED" });
      await Promise.all([all.close(), one.close()]);
    });

    it("resumes on another instance exactly after the last event a client saw", async () => {
      const erin = await createUser(a, "erin@example.com");
      await outboxDrained(a);
      const first = subscribe(b.websocketUrl, ORDER_EVENTS, { userId: erin });
      await waitForSubscribers(channelFor(prefix, { stream: "order", userId: rawId(erin) }));
      const order = await placeOrder(a, erin);
      const [seen] = await first.waitFor(1);
      await first.close();

      await post(a, CONFIRM_ORDER, { id: order });
      await post(b, SHIP_ORDER, { id: order });
      await outboxDrained(a);
      const resumed = subscribe(a.websocketUrl, `subscription($u: ID, $after: ID) { orderEvents(userId: $u, after: $after) { id type } }`, {
        u: erin,
        after: seen!.orderEvents.id,
      });
      expect((await resumed.waitFor(2)).map((e) => e.orderEvents.type)).toEqual(["ORDER_CONFIRMED", "ORDER_SHIPPED"]);
      await waitForSubscribers(channelFor(prefix, { stream: "order", userId: rawId(erin) }));
      await post(b, CANCEL_ORDER, { id: await placeOrder(b, erin) });
      expect((await resumed.waitFor(4)).slice(2).map((e) => e.orderEvents.type)).toEqual(["ORDER_PLACED", "ORDER_CANCELLED"]);
      await resumed.close();
    });

    it("rejects malformed subscription arguments with BAD_USER_INPUT", async () => {
      const sub = subscribe(b.websocketUrl, `subscription { orderEvents(after: "not-an-event") { id } }`);
      await expect(sub.waitFor(1, 2000)).rejects.toThrow(/BAD_USER_INPUT/);
      await sub.close();
      const unknown = subscribe(b.websocketUrl, `subscription { orderEvents(after: "01900000-0000-7000-8000-000000000000") { id } }`);
      await expect(unknown.waitFor(1, 2000)).rejects.toThrow(/retention/);
      await unknown.close();
    });
  });
}
