/**
 * The event bus behind subscriptions: yoga's `createPubSub` over Redis pub/sub (any number of
 * instances; one server, Sentinel or Cluster) or, without Redis, over an in-process EventTarget
 * (one instance only).
 *
 * Channels are chosen so Redis does the filtering: every event goes to its stream's firehose,
 * to its user's channel, and (orders) to its order's channel; a subscription listens to the
 * narrowest channel its arguments allow, so an instance only receives what its subscribers want.
 * A channel can carry more than the route (an order's channel when the route also names a user),
 * so each subscription keeps only what `isOnRoute` accepts.
 *
 * In a Cluster the channels are shard channels, each hashed whole to a slot (no hash tags): users'
 * and orders' channels spread over the masters, and a stream's firehose, one channel, lives on
 * one. No command touches two channels, so nothing needs them in one slot.
 */
import { createRedisEventTarget } from "@graphql-yoga/redis-event-target";
import { createPubSub, filter, map, pipe, type PubSubEvent, type PubSubEventTarget } from "graphql-yoga";
import type { DomainEvent } from "../../domain/events/domain-event.ts";
import { isOnRoute, type EventBus, type EventRoute } from "../../domain/events/event-ports.ts";
import type { Logger } from "../../observability/logger.ts";
import type { RedisServers } from "../../options.ts";
import { connectRedis, pingRedis, type RedisConnection } from "../redis-connection.ts";
import { fromCloudEvent, InvalidEventError, type CloudEvent } from "./cloud-event.ts";
import { createShardedEventTarget } from "./sharded-event-target.ts";

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
  readonly redis?: RedisServers;
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

export function createEventBus({ redis, channelPrefix, logger }: EventBusOptions): PublishingEventBus {
  const reconnectListeners = new Set<() => void>();
  const transport = redis && createRedisTransport(redis, logger, () => reconnectListeners.forEach((listener) => listener()));
  const pubSub = createPubSub<Topics>(transport ? { eventTarget: transport.eventTarget } : {});

  return {
    kind: transport ? "redis" : "in-process",

    async ping() {
      if (transport) await pingRedis(transport.publishClient);
    },

    async publish(events) {
      if (!transport) {
        for (const event of events) for (const channel of channelsOf(channelPrefix, event)) pubSub.publish(channel, event);
        return;
      }
      await transport.publish(
        events.flatMap((event) => {
          const message = JSON.stringify(event);
          return channelsOf(channelPrefix, event).map((channel) => ({ channel, message }));
        }),
      );
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
      await transport?.ready();
    },

    onReconnect(listener) {
      reconnectListeners.add(listener);
      return () => reconnectListeners.delete(listener);
    },

    async close() {
      await transport?.close();
    },
  };
}

interface RedisTransport {
  readonly eventTarget: PubSubEventTarget<Topics>;
  readonly publishClient: RedisConnection;
  /** Sends each message, in order per channel, in one round trip (per Cluster node); rejects when one fails. */
  publish(messages: readonly { channel: string; message: string }[]): Promise<void>;
  /** Resolves once subscriptions made so far are active; at once while not connected. */
  ready(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Two connections, publish and subscribe. One server or Sentinel: classic pub/sub through
 * yoga's Redis event target. A Cluster: sharded pub/sub (sharded-event-target.ts), so an event
 * reaches only the shard that owns its channel's slot, not every node.
 */
function createRedisTransport(servers: RedisServers, logger: Logger, onReconnect: () => void): RedisTransport {
  // Publishing fails fast while Redis is away, so the relay backs off and retries; events wait
  // in the outbox meanwhile. A publish unanswered for 2 s (Redis paused) fails too, so the relay
  // backs off instead of hanging. The subscriber waits out outages and resubscribes by itself.
  const publisher = { kind: "commands", commandTimeoutMs: 2000, pipelined: true } as const;
  const quit = (client: RedisConnection) => client.quit().catch(() => client.disconnect());

  if (servers.mode === "cluster") {
    const publishClient = connectRedis(servers, publisher);
    watch(publishClient, "publisher", logger);
    const sharded = createShardedEventTarget<Topics>({ connect: () => connectRedis(servers, { kind: "subscriber" }), publishClient, serializer: tolerantJson, onSubscriptionsLost: onReconnect, logger });
    return {
      eventTarget: sharded.eventTarget,
      publishClient,
      // Auto-pipelining sends the SPUBLISHes of one tick to each master as one pipeline; a
      // channel's messages all go to its one master, in order.
      publish: async (messages) => void (await Promise.all(messages.map(({ channel, message }) => publishClient.spublish(channel, message)))),
      ready: () => sharded.ready(),
      close: async () => void (await Promise.all([quit(publishClient), sharded.close()])),
    };
  }
  const publishClient = connectRedis(servers, publisher);
  const subscribeClient = connectRedis(servers, { kind: "subscriber" });
  watch(publishClient, "publisher", logger);
  // The first connection counts too: `ready()` cannot wait for a connection that is not there,
  // so a subscription read before it may miss what is published before its SUBSCRIBE lands.
  watch(subscribeClient, "subscriber", logger, onReconnect);
  return {
    eventTarget: createRedisEventTarget<PubSubEvent<Topics, string>>({ publishClient, subscribeClient, serializer: tolerantJson }),
    publishClient,
    async publish(messages) {
      const pipeline = publishClient.pipeline();
      for (const { channel, message } of messages) pipeline.publish(channel, message);
      const results = (await pipeline.exec()) ?? [];
      const failed = results.find(([error]) => error);
      if (failed) throw failed[0]!;
    },
    async ready() {
      // Subscribing is not awaited by the event target; a PING on the same connection answers
      // only after every SUBSCRIBE sent before it has been processed.
      if (subscribeClient.status === "ready") await subscribeClient.ping();
    },
    // quit() waits for pending replies; while Redis is unreachable it fails, so drop the socket.
    close: async () => void (await Promise.all([quit(publishClient), quit(subscribeClient)])),
  };
}

/** Logs a connection going away and coming back once each, not every retry. */
function watch(client: RedisConnection, role: string, logger: Logger, onReady?: () => void) {
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
