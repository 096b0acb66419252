/**
 * The end-to-end check for Redis going away and coming back (redis-cluster.test.ts,
 * redis-sentinel.test.ts): subscribers on two instances, mutations on both while the disruption
 * runs and for a moment after; then each subscriber has every event of its stream that the outbox
 * recorded since it subscribed, each once.
 */
import { expect } from "vitest";
import type { Instance } from "../../src/instance.ts";
import { channelFor } from "../../src/infra/events/event-bus.ts";
import { CONFIRM_ORDER, createUser, outboxDrained, placeOrder, post } from "../support/instances.ts";
import { subscribe, type Subscriber } from "../support/subscriber.ts";
import type { TestDatabase } from "../support/test-database.ts";

export interface EveryEventOnce {
  readonly db: TestDatabase;
  /** Two instances on one database and one Redis, with the same channel prefix. */
  readonly a: Instance;
  readonly b: Instance;
  readonly prefix: string;
  /** Waits until `channel` has `count` subscribers on Redis. */
  readonly waitForSubscribers: (channel: string, count: number) => Promise<void>;
  /** Unique per call: the users created are named after it. */
  readonly name: string;
  /** What Redis goes through while mutations run. */
  readonly disruption: () => Promise<void>;
}

type OrderEvent = { orderEvents: { id: string } };
type UserEvent = { userEvents: { id: string } };

export async function expectEveryEventOnce({ db, a, b, prefix, waitForSubscribers, name, disruption }: EveryEventOnce) {
  await outboxDrained(a);
  const [before] = await db.orm.em.fork().execute<{ position: string | null }[]>("select max(position)::text as position from outbox_events");
  const orders = [subscribe<OrderEvent>(a.websocketUrl, `subscription { orderEvents { id } }`), subscribe<OrderEvent>(b.websocketUrl, `subscription { orderEvents { id } }`)];
  const users = subscribe<UserEvent>(b.websocketUrl, `subscription { userEvents { id } }`);
  try {
    await waitForSubscribers(channelFor(prefix, { stream: "order" }), 2);
    await waitForSubscribers(channelFor(prefix, { stream: "user" }), 1);

    let writing = true;
    let written = 0;
    const writer = (async () => {
      for (let round = 0; writing; round++) {
        const [here, there] = round % 2 ? [a, b] : [b, a];
        const user = await createUser(here, `${name}-${round}@example.com`);
        await post(there, CONFIRM_ORDER, { id: await placeOrder(there, user) });
        written += 3; // user.created, order.placed, order.confirmed
      }
    })();
    try {
      await disruption();
      const writtenBefore = written;
      await expect.poll(() => written - writtenBefore, { timeout: 10_000 }).toBeGreaterThanOrEqual(6); // writes go on after it
    } finally {
      writing = false;
      await writer;
    }

    await outboxDrained(a, 20_000);
    const recorded = await db.orm.em.fork().execute<{ id: string; stream: string }[]>("select id, stream from outbox_events where position > ? order by position", [before?.position ?? "0"]);
    const expected = { order: recorded.filter((row) => row.stream === "order").map((row) => row.id), user: recorded.filter((row) => row.stream === "user").map((row) => row.id) };
    expect(expected.order.length + expected.user.length).toBe(written);
    const received = async <T>(subscriber: Subscriber<T>, count: number, id: (event: T) => string) => {
      await subscriber.waitFor(count, 20_000);
      await new Promise((resolve) => setTimeout(resolve, 300)); // anything more would be a duplicate
      return subscriber.received.map(id);
    };
    for (const subscription of orders) {
      const ids = await received(subscription, expected.order.length, (event) => event.orderEvents.id);
      expect(ids).toHaveLength(expected.order.length);
      expect(new Set(ids)).toEqual(new Set(expected.order));
    }
    const userIds = await received(users, expected.user.length, (event) => event.userEvents.id);
    expect(userIds).toHaveLength(expected.user.length);
    expect(new Set(userIds)).toEqual(new Set(expected.user));
  } finally {
    await Promise.all([...orders, users].map((subscription) => subscription.close()));
  }
}

/** What /health/ready says of Redis, and the redis_up gauge. */
export async function redisHealth(instance: Instance) {
  const ready = (await (await fetch(new URL("/health/ready", instance.url))).json()) as { checks: { redis: string } };
  const metrics = await (await fetch(new URL("/metrics", instance.url))).text();
  return { ready: ready.checks.redis, up: /^redis_up (\d)/m.exec(metrics)?.[1] };
}
