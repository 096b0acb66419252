/** The real buses in the EventBus contract: publishing as the outbox relay does, connected before a test uses them. */
import { pino } from "pino";
import { toCloudEvent } from "../../src/infra/events/cloud-event.ts";
import { createEventBus, type PublishingEventBus } from "../../src/infra/events/event-bus.ts";
import type { RedisServers } from "../../src/options.ts";
import { uniqueChannelPrefix } from "../support/instances.ts";
import type { EventBusHarness } from "./event-bus-contract.ts";

export const logger = pino({ level: process.env.LOG_LEVEL ?? "silent" });

/** Publishing as the outbox relay does: each event as its CloudEvent. */
export const harnessFor = (bus: PublishingEventBus): EventBusHarness => ({
  bus,
  publish: (events) => bus.publish(events.map((event) => toCloudEvent(event))),
  close: () => bus.close(),
});

/** Resolves once the bus can publish (the relay retries the same way after Redis comes back). */
export async function reachable(bus: PublishingEventBus, timeoutMs = 10_000) {
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

/**
 * A bus on `redis` with a channel prefix of its own, connected both ways: subscribing (its
 * listeners hear of the first connection) and publishing. `dropConnection`, when given, takes
 * Redis away and back (the harness's `reconnect`).
 */
export async function connectedRedisBus(redis: RedisServers, dropConnection?: () => Promise<void>): Promise<EventBusHarness> {
  const bus = createEventBus({ redis, channelPrefix: uniqueChannelPrefix(), logger });
  await new Promise<void>((resolve) => {
    const remove = bus.onReconnect(() => {
      remove();
      resolve();
    });
  });
  await reachable(bus);
  return {
    ...harnessFor(bus),
    ...(dropConnection
      ? {
          reconnect: async () => {
            await dropConnection();
            await reachable(bus);
          },
        }
      : {}),
  };
}
