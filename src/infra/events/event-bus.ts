/**
 * The event bus behind subscriptions: yoga's `createPubSub` over Redis pub/sub (any number of
 * instances) or, without Redis, over an in-process EventTarget (one instance only).
 *
 * Channels are chosen so Redis does the filtering: every event goes to its stream's firehose,
 * to its user's channel, and (orders) to its order's channel; a subscription listens to the
 * narrowest channel its arguments allow, so an instance only receives what its subscribers want.
 * A channel can carry more than the route (an order's channel when the route also names a user),
 * so each subscription keeps only what `isOnRoute` accepts.
 */
import { createRedisEventTarget } from "@graphql-yoga/redis-event-target";
import { createPubSub, filter, map, pipe } from "graphql-yoga";
import { Redis } from "ioredis";
import type { DomainEvent } from "../../domain/events/domain-event.ts";
import { isOnRoute, type EventBus, type EventRoute } from "../../domain/events/event-ports.ts";
import type { Logger } from "../../observability/logger.ts";
import { fromCloudEvent, InvalidEventError, type CloudEvent } from "./cloud-event.ts";

export interface PublishingEventBus extends EventBus {
  /** Publishes each event, in order, to every channel it belongs on, in one round trip; rejects when the bus is unreachable. */
  publish(events: readonly CloudEvent[]): Promise<void>;
  /** "redis" shares events between instances; "in-process" does not. */
  readonly kind: "redis" | "in-process";
  /** Resolves when the bus is reachable; rejects (fast) when it is not. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface EventBusOptions {
  /** Unset: the in-process bus. */
  readonly redisUrl?: string;
  /** Prefix of every channel name, to share one Redis between deployments (options.ts: channelPrefix). */
  readonly channelPrefix: string;
  readonly logger: Logger;
}

type Topics = Record<string, [CloudEvent]>;

/**
 * JSON that does not throw on a malformed message: anything may be published on a channel, and
 * a parse error inside the Redis client's message handler would crash the process. What does
 * not parse is passed on as-is and rejected by event validation like any other invalid message.
 */
const tolerantJson = {
  stringify: (message: unknown) => JSON.stringify(message),
  parse: (message: string): unknown => {
    try {
      return JSON.parse(message);
    } catch {
      return message;
    }
  },
};

export function channelFor(prefix: string, route: EventRoute): string {
  if (route.stream === "order" && route.orderId) return `${prefix}:order-events:order:${route.orderId}`;
  if (route.userId) return `${prefix}:${route.stream}-events:user:${route.userId}`;
  return `${prefix}:${route.stream}-events`;
}

export function channelsOf(prefix: string, event: CloudEvent): string[] {
  const stream = event.source === "/ordergraph/orders" ? "order" : "user";
  const channels = [channelFor(prefix, { stream }), channelFor(prefix, { stream, userId: event.data.userId })];
  if (stream === "order") channels.push(channelFor(prefix, { stream, orderId: event.subject }));
  return channels;
}

export function createEventBus({ redisUrl, channelPrefix, logger }: EventBusOptions): PublishingEventBus {
  const reconnectListeners = new Set<() => void>();
  let publishClient: Redis | undefined;
  let subscribeClient: Redis | undefined;

  if (redisUrl) {
    // Publishing fails fast while Redis is away, so the relay backs off and retries; events wait
    // in the outbox meanwhile. The subscriber connection resubscribes by itself on reconnect.
    // A publish unanswered for 2 s (Redis paused) fails too, so the relay backs off instead of hanging.
    publishClient = new Redis(redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: false, commandTimeout: 2000 });
    subscribeClient = new Redis(redisUrl, { autoResubscribe: true, maxRetriesPerRequest: null });
    watch(publishClient, "publisher", logger);
    // The first connection counts too: `ready()` cannot wait for a connection that is not there,
    // so a subscription read before it may miss what is published before its SUBSCRIBE lands.
    watch(subscribeClient, "subscriber", logger, () => reconnectListeners.forEach((listener) => listener()));
  }

  const pubSub = createPubSub<Topics>(
    publishClient && subscribeClient ? { eventTarget: createRedisEventTarget({ publishClient, subscribeClient, serializer: tolerantJson }) } : {},
  );

  return {
    kind: redisUrl ? "redis" : "in-process",

    async ping() {
      if (publishClient) await publishClient.ping();
    },

    async publish(events) {
      if (!publishClient) {
        for (const event of events) for (const channel of channelsOf(channelPrefix, event)) pubSub.publish(channel, event);
        return;
      }
      const pipeline = publishClient.pipeline();
      for (const event of events) {
        const message = JSON.stringify(event);
        for (const channel of channelsOf(channelPrefix, event)) pipeline.publish(channel, message);
      }
      const results = (await pipeline.exec()) ?? [];
      const failed = results.find(([error]) => error);
      if (failed) throw failed[0]!;
    },

    subscribe(route) {
      const channel = channelFor(channelPrefix, route);
      return pipe(
        pubSub.subscribe(channel),
        map((message: unknown): DomainEvent | null => {
          try {
            return fromCloudEvent(message);
          } catch (error) {
            if (!(error instanceof InvalidEventError)) throw error;
            logger.warn({ channel, err: error }, "dropped a message that is not a valid event");
            return null;
          }
        }),
        filter((event): event is DomainEvent => event !== null && isOnRoute(event, route)),
      );
    },

    async ready() {
      // Subscribing is not awaited by the event target; a PING on the same connection answers
      // only after every SUBSCRIBE sent before it has been processed.
      if (subscribeClient?.status === "ready") await subscribeClient.ping();
    },

    onReconnect(listener) {
      reconnectListeners.add(listener);
      return () => reconnectListeners.delete(listener);
    },

    async close() {
      // quit() waits for pending replies; while Redis is unreachable it fails, so drop the socket.
      const clients = [publishClient, subscribeClient].filter((client): client is Redis => client !== undefined);
      await Promise.all(clients.map((client) => client.quit().catch(() => client.disconnect())));
    },
  };
}

/** Logs a connection going away and coming back once each, not every retry. */
function watch(client: Redis, role: string, logger: Logger, onReady?: () => void) {
  let down = false;
  client.on("ready", () => {
    if (down) logger.info({ role }, "redis connection restored");
    down = false;
    onReady?.();
  });
  client.on("error", (error: Error) => logger.debug({ role, err: error }, "redis connection error"));
  client.on("close", () => {
    if (!down && client.status !== "end") logger.warn({ role }, "redis connection lost; retrying");
    down = true;
  });
}
