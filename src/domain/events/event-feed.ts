/**
 * What a subscriber sees: optionally the recorded events since a resume point, then live
 * events, each at most once, with nothing missed when the bus reconnects.
 */
import { Repeater } from "@repeaterjs/repeater";
import type { DomainEvent } from "./domain-event.ts";
import { isOnRoute, UnknownEventError, type EventBus, type EventLog, type EventRoute } from "./event-ports.ts";

export interface EventQuery extends EventRoute {
  /** Only these event types (all when absent). */
  readonly types?: readonly DomainEvent["type"][];
  /** Resume after this event: replay what came since, then continue live. */
  readonly after?: string;
  /**
   * Called once when the subscriber has not taken an event for `maxStallMs` while more were
   * waiting; the stream then ends. The transport closes the connection (it cannot deliver more
   * anyway), and the client resumes with `after:` and loses nothing.
   */
  readonly onTooSlow?: () => void;
}

export interface EventFeedDeps {
  readonly log: EventLog;
  readonly bus: EventBus;
  /** Events read per replay query (default 200). */
  readonly replayPageSize?: number;
  /** How many recent event ids each subscription remembers to drop duplicates (default 1000). */
  readonly recentIdsPerSubscription?: number;
  /** Live events held for a subscriber that is behind; past this it catches up from the log instead (default 200). */
  readonly maxPendingEvents?: number;
  /** How long a subscriber may take no event while more wait before it is ended as too slow (default 30000 ms). */
  readonly maxStallMs?: number;
}

export type EventFeed = ReturnType<typeof createEventFeed>;

export function createEventFeed({ log, bus, replayPageSize = 200, recentIdsPerSubscription = 1000, maxPendingEvents = 200, maxStallMs = 30_000 }: EventFeedDeps) {
  return {
    /** Throws `UnknownEventError` before subscribing when `after` names no recorded event. */
    async subscribe(query: EventQuery): Promise<AsyncIterable<DomainEvent>> {
      const route: EventRoute = { stream: query.stream, userId: query.userId, orderId: query.orderId };
      // Where delivery starts: after `after:`, or, for a live subscription, after the newest event
      // on its route now, read before the bus subscription starts. Whatever is committed from
      // here on reaches it: live, or through the catch-up once the bus is subscribed (an anchor
      // read after subscribing could already hold an event that was also arriving live, which
      // would then be skipped as seen).
      const latest = query.after == null ? await log.latest(route) : null;
      const anchor = query.after ?? latest?.id ?? null;
      const anchorPosition = query.after == null ? (latest?.position ?? null) : await log.positionOf(query.after, route);
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
        /** The last event on the route this subscription saw; null: none yet (catch up from the start). */
        let lastId: string | null = anchor;
        /**
         * Its position: nothing at or before it is delivered. A replay hands out numbered events
         * that may be published (live) only later, so the same event, or an older one, can still
         * arrive live after a subscriber resumed past it.
         */
        let lastPosition: number | null = anchorPosition;
        // Every event is handed over at the subscriber's pace (a push resolves when it is taken),
        // so replays read no faster than the subscriber consumes.
        let waitingSince: number | undefined; // when the event being handed over was offered
        const deliver = async (event: DomainEvent) => {
          if (stopped || seen.has(event.id) || !isOnRoute(event, route)) return;
          if (event.position !== undefined && lastPosition !== null && event.position <= lastPosition) return;
          seen.add(event.id);
          lastId = event.id;
          if (event.position !== undefined) lastPosition = event.position;
          if (wanted && !wanted.has(event.type)) return;
          waitingSince = Date.now();
          await push(event);
          waitingSince = undefined;
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

        void run(async () => {
          await bus.ready();
          // A resume replays what it missed; a live subscription what was committed since its
          // anchor (usually nothing: one query). Without an anchor (nothing on the route yet) it
          // catches up from the start of the route, which is just as short.
          await replayFrom(anchor);
        });
        // Live events are taken off the bus at once, whatever the subscriber's pace (a bus that
        // waited for its slowest subscriber would stall, or overflow, for everyone), into a
        // bounded backlog drained in order through the queue. A subscriber further behind than
        // the backlog holds catches up from the log at its own pace instead (nothing is lost,
        // memory stays bounded); one that takes nothing for `maxStallMs` is ended as too slow.
        let backlog: DomainEvent[] = [];
        let catchUpQueued = false;
        // A drain takes what its backlog holds when it starts; events that arrive later get a
        // drain of their own, queued behind any catch-up queued before them.
        const drain = async (events: DomainEvent[]) => {
          for (const event of events.splice(0)) await deliver(event);
        };
        try {
          for (let next = await firstLive; !next.done && !stopped; next = await live.next()) {
            if (waitingSince !== undefined && Date.now() - waitingSince > maxStallMs) {
              query.onTooSlow?.();
              break;
            }
            if (backlog.length >= maxPendingEvents) {
              // Too far behind to hold: drop what waits (its drain finds nothing) and read it
              // from the log instead, after whatever is already queued.
              backlog.length = 0;
              backlog = [];
              if (!catchUpQueued) {
                catchUpQueued = true;
                void run(async () => {
                  catchUpQueued = false;
                  await replayFrom(lastId);
                });
              }
              continue;
            }
            backlog.push(next.value);
            if (backlog.length === 1) {
              const events = backlog;
              void run(() => drain(events));
            }
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
