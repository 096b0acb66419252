/**
 * What a subscriber sees: optionally the recorded events since a resume point, then live
 * events, each at most once, with nothing missed when the bus reconnects.
 */
import { Repeater } from "@repeaterjs/repeater";
import type { DomainEvent } from "./domain-event.ts";
import { UnknownEventError, type EventBus, type EventLog, type EventRoute } from "./event-ports.ts";

export interface EventQuery extends EventRoute {
  /** Only these event types (all when absent). */
  readonly types?: readonly DomainEvent["type"][];
  /** Resume after this event: replay what came since, then continue live. */
  readonly after?: string;
}

export interface EventFeedDeps {
  readonly log: EventLog;
  readonly bus: EventBus;
  /** Events read per replay query (default 500). */
  readonly replayPageSize?: number;
  /** How many recent event ids each subscription remembers to drop duplicates (default 1000). */
  readonly recentIdsPerSubscription?: number;
}

export type EventFeed = ReturnType<typeof createEventFeed>;

export function createEventFeed({ log, bus, replayPageSize = 500, recentIdsPerSubscription = 1000 }: EventFeedDeps) {
  return {
    /** Throws `UnknownEventError` before subscribing when `after` names no recorded event. */
    async subscribe(query: EventQuery): Promise<AsyncIterable<DomainEvent>> {
      const route: EventRoute = { stream: query.stream, userId: query.userId, orderId: query.orderId };
      const anchor = query.after ?? null;
      if (anchor !== null) await log.getAfter(anchor, route, 0);
      const wanted = query.types && new Set<string>(query.types);

      return new Repeater<DomainEvent>(async (push, stop) => {
        const live = bus.subscribe(route)[Symbol.asyncIterator]();
        const firstLive = live.next(); // subscribing is lazy: this is what starts it
        let stopped = false;
        void stop.then(() => {
          stopped = true;
          void live.return?.();
        });

        const seen = new RecentIds(recentIdsPerSubscription);
        const onRoute = (event: DomainEvent) =>
          event.stream === route.stream &&
          (route.userId === undefined || event.userId === route.userId) &&
          (route.orderId === undefined || event.aggregateId === route.orderId);
        /** The last event on the route this subscription saw; null: none yet (catch up from the start). */
        let lastId: string | null = anchor;
        const deliver = async (event: DomainEvent) => {
          if (stopped || seen.has(event.id) || !onRoute(event)) return;
          seen.add(event.id);
          lastId = event.id;
          if (!wanted || wanted.has(event.type)) await push(event);
        };
        const replayFrom = async (from: string | null) => {
          for (let cursor = from; !stopped; ) {
            const events = await log.getAfter(cursor, route, replayPageSize);
            for (const event of events) await deliver(event);
            if (events.length < replayPageSize) return;
            cursor = events.at(-1)!.id;
          }
        };
        // Start-up, replays, catch-ups and live events go through one queue, so they never
        // interleave, and a reconnect during start-up is caught up right after it.
        let queue: Promise<void> = Promise.resolve();
        const run = (task: () => Promise<void>) => {
          queue = queue.then(task).catch((error: unknown) => {
            // A catch-up anchored at an event pruned meanwhile has nothing left to give.
            if (!(error instanceof UnknownEventError)) void stop(error);
          });
          return queue;
        };
        const stopListening = bus.onReconnect(
          () =>
            void run(async () => {
              await bus.ready(); // resubscribed, so nothing published from here on is missed
              await replayFrom(lastId);
            }),
        );
        void stop.then(stopListening);

        await run(async () => {
          await bus.ready();
          if (anchor !== null) await replayFrom(anchor);
          else lastId = await log.latestId(route);
        });
        try {
          for (let next = await firstLive; !next.done && !stopped; next = await live.next()) {
            const event = next.value;
            await run(() => deliver(event));
          }
        } finally {
          stopListening();
        }
        stop();
      });
    },
  };
}

/** A set of the most recent ids, forgetting the oldest beyond `capacity`. */
class RecentIds {
  readonly #ids = new Set<string>();
  readonly #capacity: number;
  constructor(capacity: number) {
    this.#capacity = capacity;
  }
  has(id: string) {
    return this.#ids.has(id);
  }
  add(id: string) {
    this.#ids.add(id);
    if (this.#ids.size > this.#capacity) this.#ids.delete(this.#ids.values().next().value!);
  }
}
