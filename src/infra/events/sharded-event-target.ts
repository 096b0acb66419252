/**
 * yoga's event target over Redis Cluster's sharded pub/sub (Redis 7: SSUBSCRIBE, SPUBLISH): each
 * channel lives on the master that owns its hash slot, so a message goes to that shard only
 * instead of being broadcast to every node. @graphql-yoga/redis-event-target speaks classic
 * pub/sub only; this is the same adapter on ioredis's sharded subscribers (a Cluster with
 * `shardedSubscribers`: one connection per master, replaced and resubscribed by ioredis when a
 * master's connection ends or the slots move).
 *
 * What it adds, for the EventBus port's `ready()` and `onReconnect`:
 * - `ready()` resolves once every SSUBSCRIBE sent so far has been answered, and, after a
 *   subscriber connection was lost, once every master holding our channels has them again (the
 *   PING the classic bus sends cannot reach ioredis's per-master connections).
 * - `onSubscriptionsLost` is called at the first connection and as soon as a subscriber
 *   connection is lost, not when it is back: a listener that catches up after `ready()` then
 *   reads the outbox before it handles anything received after the resubscription. (The classic
 *   bus gets this order from ioredis: its "ready" event comes before any message that follows.)
 * - A Cluster connection that is lost as a whole is replaced by a new one: ioredis 5.11's sharded
 *   subscribers never come back from that (a subscriber stopped while it was still connecting
 *   never settles, and its subscriber group waits for it for good).
 */
import calculateSlot from "cluster-key-slot";
import type { Cluster } from "ioredis";
import type { PubSubEventTarget } from "graphql-yoga";
import type { Logger } from "../../observability/logger.ts";

export interface ShardedEventTargetOptions {
  /** Opens a subscribing connection: a Cluster with `shardedSubscribers` (redis-connection.ts, role "subscriber"). */
  readonly connect: () => Cluster;
  readonly publishClient: Cluster;
  readonly serializer: { stringify(message: unknown): string; parse(message: string): unknown };
  /** Called at the first connection, and when a subscriber connection is lost (once until all are back). */
  readonly onSubscriptionsLost: () => void;
  readonly logger: Logger;
}

export interface ShardedEventTarget<Topics extends Record<string, [unknown]>> {
  readonly eventTarget: PubSubEventTarget<Topics>;
  /** Resolves once every SSUBSCRIBE sent so far has been answered and every subscriber connection lost is back with its channels. */
  ready(): Promise<void>;
  close(): Promise<void>;
}

/**
 * After a check that failed: how soon another may run (ioredis announces replaced subscribers
 * hundreds of times a second while a master is down), and when one runs at the latest.
 */
const RECHECK_AFTER_MS = 250;
const RECHECK_MS = 1000;

export function createShardedEventTarget<Topics extends Record<string, [unknown]>>({
  connect,
  publishClient,
  serializer,
  onSubscriptionsLost,
  logger,
}: ShardedEventTargetOptions): ShardedEventTarget<Topics> {
  /** Each topic's listeners, as given, with the function each is called through. */
  const callbacksForTopic = new Map<string, Map<EventListenerOrEventListenerObject, (event: CustomEvent) => void>>();
  const inFlight = new Set<Promise<unknown>>();
  /** Channels whose SSUBSCRIBE failed (ioredis may not have recorded them): sent again by the next confirmation. */
  const unsubscribed = new Set<string>();
  // `losses` counts subscriber connections lost (the first connection counts as one); `confirmed`,
  // how many of them a confirmation has covered. A loss during a confirmation needs another.
  let losses = 1;
  let confirmed = 0;
  let confirming = false;
  let failedAt = 0;
  let recheck: NodeJS.Timeout | undefined;
  let closed = false;
  /** `ready()` calls waiting for every loss to be confirmed. */
  const waiting: (() => void)[] = [];
  const release = () => {
    for (const resolve of waiting.splice(0)) resolve();
  };

  const lost = () => {
    const first = confirmed === losses;
    losses++;
    if (!first) return;
    logger.warn("redis subscriber connection lost; resubscribing");
    onSubscriptionsLost();
  };

  const onMessage = (channel: string, message: string) => {
    const callbacks = callbacksForTopic.get(channel);
    if (!callbacks) return;
    const event = new CustomEvent(channel, { detail: message === "" ? null : serializer.parse(message) });
    for (const callback of callbacks.values()) callback(event);
  };
  const open = (): Cluster => {
    const client = connect();
    client.on("smessage", onMessage);
    client.on("error", (error: Error) => logger.debug({ err: error }, "redis subscriber connection error"));
    client.on("-node", lost);
    client.on("-subscriber", lost); // replaced without its connection ending first (slots moved)
    client.on("subscribersReady", () => void confirm());
    client.once("ready", () => client.once("reconnecting", () => replace(client)));
    for (const channel of callbacksForTopic.keys()) track(client, client.ssubscribe(channel), channel, "ssubscribe");
    return client;
  };
  const replace = (old: Cluster) => {
    if (closed || old !== subscriber) return;
    old.removeAllListeners();
    old.on("error", () => {}); // replies still pending fail now; nobody waits for them
    old.disconnect();
    lost();
    subscriber = open();
  };
  const track = (client: Cluster, command: Promise<unknown>, channel: string, verb: "ssubscribe" | "sunsubscribe") => {
    const settled = command.then(
      () => undefined,
      (error: unknown) => {
        logger.debug({ channel, err: error }, `${verb} failed`);
        if (verb === "ssubscribe" && client === subscriber && callbacksForTopic.has(channel)) {
          unsubscribed.add(channel);
          lost();
        }
      },
    );
    inFlight.add(settled);
    void settled.then(() => inFlight.delete(settled));
  };
  const answered = async () => {
    while (inFlight.size > 0) await Promise.all(inFlight);
  };

  /**
   * Whether each master holding our channels has them: a SUNSUBSCRIBE, for a channel never
   * subscribed, in the slot of one of ours on each such master (a hash tag puts it there). It
   * reaches the connection that master's resubscription went over and is answered after it, with
   * how many shard channels that connection holds (0: none came back). One command per master,
   * and nothing changes on the server.
   */
  const resubscribedEverywhere = async (): Promise<boolean> => {
    const client = subscriber;
    for (const channel of unsubscribed) if (callbacksForTopic.has(channel)) track(client, client.ssubscribe(channel), channel, "ssubscribe");
    unsubscribed.clear();
    await answered();
    const onePerMaster = new Map<string, string>();
    for (const channel of callbacksForTopic.keys()) {
      const master = client.slots[calculateSlot(channel)]?.[0];
      if (master !== undefined && !onePerMaster.has(master)) onePerMaster.set(master, channel);
    }
    const counts = await Promise.all([...onePerMaster.values()].map((channel) => client.sunsubscribe(`{${channel}}:resubscribed`).catch(() => 0)));
    return counts.every((count) => Number(count) > 0) && unsubscribed.size === 0 && client === subscriber;
  };
  const confirm = async (due = false) => {
    if (closed || confirming || confirmed >= losses || (!due && Date.now() - failedAt < RECHECK_AFTER_MS)) return;
    confirming = true;
    clearTimeout(recheck);
    try {
      const covering = losses;
      if (await resubscribedEverywhere()) {
        const first = confirmed === 0;
        if (!first) logger.info("redis subscriptions restored");
        confirmed = covering;
        if (confirmed >= losses) release();
        if (first) onSubscriptionsLost();
      } else {
        failedAt = Date.now();
      }
    } finally {
      confirming = false;
    }
    // Not confirmed, or lost again meanwhile: ioredis announces the subscribers it replaces
    // (subscribersReady), but not that a check which failed for another reason could pass now.
    if (!closed && confirmed < losses) recheck = setTimeout(() => void confirm(true), RECHECK_MS).unref();
  };

  let subscriber = open();

  const eventTarget: PubSubEventTarget<Topics> = {
    addEventListener(topic, listener) {
      if (!listener) return;
      let callbacks = callbacksForTopic.get(topic);
      if (!callbacks) {
        callbacks = new Map();
        callbacksForTopic.set(topic, callbacks);
        track(subscriber, subscriber.ssubscribe(topic), topic, "ssubscribe");
      }
      const given = listener as EventListenerOrEventListenerObject;
      callbacks.set(given, typeof given === "function" ? given : (event) => given.handleEvent(event));
    },
    removeEventListener(topic, listener) {
      const callbacks = callbacksForTopic.get(topic);
      if (!listener || !callbacks) return;
      callbacks.delete(listener as EventListenerOrEventListenerObject);
      if (callbacks.size > 0) return;
      callbacksForTopic.delete(topic);
      unsubscribed.delete(topic);
      track(subscriber, subscriber.sunsubscribe(topic), topic, "sunsubscribe");
    },
    dispatchEvent(event) {
      publishClient.spublish(event.type, event.detail === undefined ? "" : serializer.stringify(event.detail)).catch((error: unknown) => logger.warn({ err: error }, "spublish failed"));
      return true;
    },
  };

  return {
    eventTarget,
    async ready() {
      await answered();
      if (confirmed < losses && !closed) await new Promise<void>((resolve) => waiting.push(resolve));
    },
    async close() {
      closed = true;
      clearTimeout(recheck);
      release();
      // quit() waits for pending replies; while Redis is unreachable it fails, so drop the sockets.
      await subscriber.quit().catch(() => subscriber.disconnect());
    },
  };
}
