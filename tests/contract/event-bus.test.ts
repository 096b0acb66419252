/** The EventBus contract on the real buses: in-process, and over a real Redis. */
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { userEvent } from "../../src/domain/events/domain-event.ts";
import { newId } from "../../src/domain/shared/ids.ts";
import { toCloudEvent } from "../../src/infra/events/cloud-event.ts";
import { createEventBus, type PublishingEventBus } from "../../src/infra/events/event-bus.ts";
import { uniqueChannelPrefix } from "../support/instances.ts";
import { redisForTests, startRedisServer, type RedisServer } from "../support/redis.ts";
import { describeEventBusContract, type EventBusHarness } from "./event-bus-contract.ts";

const logger = pino({ level: process.env.LOG_LEVEL ?? "silent" });

/** Publishing as the outbox relay does: each event as its CloudEvent. */
const harnessFor = (bus: PublishingEventBus): EventBusHarness => ({
  bus,
  publish: (events) => bus.publish(events.map((event) => toCloudEvent(event))),
  close: () => bus.close(),
});

/** Resolves once the bus can publish (the relay retries the same way after Redis comes back). */
async function reachable(bus: PublishingEventBus, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await bus.ping();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

describeEventBusContract("in-process bus", async () => harnessFor(createEventBus({ logger, channelPrefix: "ordergraph" })));

// A private redis-server when one is installed, so a test can drop the connection; else REDIS_URL.
let redis: Awaited<ReturnType<typeof redisForTests>> & Partial<Pick<RedisServer, "kill" | "restart">>;
beforeAll(async () => {
  redis = process.env.REDIS_URL ? await redisForTests() : await startRedisServer();
});
afterAll(() => redis?.stop());

describeEventBusContract("Redis bus", async () => {
  const bus = createEventBus({ redis: redis.servers, channelPrefix: uniqueChannelPrefix(), logger });
  // Connected both ways: subscribing (its listeners hear of the first connection) and publishing.
  await new Promise<void>((resolve) => {
    const remove = bus.onReconnect(() => {
      remove();
      resolve();
    });
  });
  await reachable(bus);
  const { kill, restart } = redis;
  return {
    ...harnessFor(bus),
    ...(kill && restart
      ? {
          reconnect: async () => {
            await kill();
            await restart();
            await reachable(bus);
          },
        }
      : {}),
  };
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
