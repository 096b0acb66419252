/** The EventBus contract on the real buses: in-process, and over a real Redis. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { userEvent } from "../../src/domain/events/domain-event.ts";
import { newId } from "../../src/domain/shared/ids.ts";
import { toCloudEvent } from "../../src/infra/events/cloud-event.ts";
import { createEventBus } from "../../src/infra/events/event-bus.ts";
import { uniqueChannelPrefix } from "../support/instances.ts";
import { redisForTests, startRedisServer, type RedisServer } from "../support/redis.ts";
import { describeEventBusContract } from "./event-bus-contract.ts";
import { connectedRedisBus, harnessFor, logger, reachable } from "./redis-bus-harness.ts";

describeEventBusContract("in-process bus", async () => harnessFor(createEventBus({ logger, channelPrefix: "ordergraph" })));

// A private redis-server when one is installed, so a test can drop the connection; else REDIS_URL.
let redis: Awaited<ReturnType<typeof redisForTests>> & Partial<Pick<RedisServer, "kill" | "restart">>;
beforeAll(async () => {
  redis = process.env.REDIS_URL ? await redisForTests() : await startRedisServer();
});
afterAll(() => redis?.stop());

describeEventBusContract("Redis bus", async () => {
  const { kill, restart } = redis;
  return connectedRedisBus(
    redis.servers,
    kill && restart
      ? async () => {
          await kill();
          await restart();
        }
      : undefined,
  );
});

describe("Redis bus, first connection", () => {
  it("tells its reconnect listeners when it first connects, so a subscription read before that catches up", async (context) => {
    const { kill, restart } = redis;
    if (!kill || !restart) return context.skip("needs a private redis-server (REDIS_URL is set)");
    await kill();
    const bus = createEventBus({ redis: redis.servers, channelPrefix: uniqueChannelPrefix(), logger });
    try {
      let told = 0;
      bus.onReconnect(() => told++);
      const subscription = bus.subscribe({ stream: "user" })[Symbol.asyncIterator]();
      const first = subscription.next();
      await bus.ready(); // nothing to wait for while Redis is away: the listener is told instead
      await restart();
      await expect.poll(() => told, { timeout: 10_000 }).toBe(1);
      await bus.ready();
      await reachable(bus);
      const event = userEvent("user.created", { id: newId(), email: "first@example.com", name: "First", status: "ACTIVE", createdAt: new Date(), updatedAt: new Date(), version: 1 }, newId());
      await bus.publish([toCloudEvent(event)]);
      expect(await first).toEqual({ value: event, done: false });
      await subscription.return!();
    } finally {
      await bus.close();
    }
  });
});
