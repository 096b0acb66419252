/**
 * The event feed over an in-memory log and bus. Nothing here sleeps: the fakes settle within
 * microtasks, so a test waits a bounded number of event-loop turns for what it expects and fails
 * fast (instead of hanging) when the feed stalls.
 */
import { describe, expect, it } from "vitest";
import { orderEvent, userEvent, type DomainEvent, type OrderEventType, type UserEventType } from "../../src/domain/events/domain-event.ts";
import { createEventFeed, type EventFeedDeps, type EventQuery } from "../../src/domain/events/event-feed.ts";
import { isOnRoute, UnknownEventError, type EventLog } from "../../src/domain/events/event-ports.ts";
import { createFakeEventBus } from "../support/fake-event-bus.ts";
import { sequentialIds, T0 } from "./helpers.ts";

const ALICE = "00000000-0000-7000-a000-000000000001";
const BOB = "00000000-0000-7000-a000-000000000002";
const ALICE_ORDER = "00000000-0000-7000-b000-000000000001";
const ALICE_OTHER_ORDER = "00000000-0000-7000-b000-000000000002";
const BOB_ORDER = "00000000-0000-7000-b000-000000000003";
const NEVER_RECORDED = "00000000-0000-7000-8000-999999999999";

/** Events with increasing ids, as the outbox hands them out. */
function eventMaker() {
  const newId = sequentialIds();
  return {
    user: ({ userId = ALICE, type = "user.updated" }: { userId?: string; type?: UserEventType } = {}) =>
      userEvent(type, { id: userId, email: "someone@example.com", name: "Someone", status: "ACTIVE", createdAt: T0, updatedAt: T0, version: 2 }, newId()),
    order: ({ orderId = ALICE_ORDER, userId = ALICE, type = "order.confirmed" }: { orderId?: string; userId?: string; type?: OrderEventType } = {}) =>
      orderEvent(
        type,
        { id: orderId, userId, status: "CONFIRMED", currency: "EUR", totalCents: 1250, cancellationReason: null, createdAt: T0, updatedAt: T0, version: 2 },
        null,
        newId(),
      ),
  };
}

interface FakeEventLog extends EventLog {
  append(event: DomainEvent): void;
  /** Every `getAfter` call, in order. */
  readonly reads: { afterId: string | null; limit: number }[];
  /** The next `getAfter` call rejects with `error`. */
  failNextRead(error: Error): void;
}

/** The log as the outbox keeps it: every event in publishing order, any route, queried by route. */
function createFakeEventLog(): FakeEventLog {
  const events: DomainEvent[] = [];
  const reads: { afterId: string | null; limit: number }[] = [];
  let failure: Error | undefined;
  return {
    reads,
    // Numbered as the relay does: the position travels with the event, live and replayed.
    append: (event) => events.push(Object.assign(event, { position: events.length + 1 })),
    failNextRead(error) {
      failure = error;
    },
    async latest(route) {
      const event = events.findLast((candidate) => isOnRoute(candidate, route));
      return event ? { id: event.id, position: event.position! } : null;
    },
    async positionOf(id, route) {
      const event = events.find((candidate) => candidate.id === id && isOnRoute(candidate, route));
      if (!event) throw new UnknownEventError(id);
      return event.position ?? null;
    },
    async getAfter(afterId, route, limit) {
      reads.push({ afterId, limit });
      if (failure) {
        const error = failure;
        failure = undefined;
        throw error;
      }
      const anchor = afterId === null ? -1 : events.findIndex((event) => event.id === afterId);
      if (afterId !== null && anchor === -1) throw new UnknownEventError(afterId);
      return events
        .slice(anchor + 1)
        .filter((event) => isOnRoute(event, route))
        .slice(0, Math.max(limit, 0));
    },
  };
}

/** Whether `condition` holds within a bounded number of event-loop turns; the fakes need only a few. */
async function eventually(condition: () => boolean): Promise<boolean> {
  for (let turn = 0; turn < 100; turn++) {
    if (condition()) return true;
    await new Promise((resolve) => setImmediate(resolve));
  }
  return condition();
}

async function until(condition: () => boolean, what: string): Promise<void> {
  if (!(await eventually(condition))) throw new Error(`gave up waiting for ${what}`);
}

/** `promise`'s outcome, or a failure when it does not settle within `until`'s bound. */
async function settled<T>(promise: Promise<T>, what: string): Promise<T> {
  const state: { outcome?: { value: T } | { error: unknown } } = {};
  promise.then(
    (value) => (state.outcome = { value }),
    (error: unknown) => (state.outcome = { error }),
  );
  await until(() => state.outcome !== undefined, what);
  const outcome = state.outcome!;
  if ("error" in outcome) throw outcome.error;
  return outcome.value;
}

function setup(options: Pick<EventFeedDeps, "replayPageSize" | "recentIdsPerSubscription" | "maxPendingEvents" | "maxStallMs"> = {}) {
  const log = createFakeEventLog();
  const bus = createFakeEventBus();
  const feed = createEventFeed({ log, bus, ...options });
  const make = eventMaker();

  /** What the outbox relay does: record each event, then publish it (lost while the bus is down). */
  const publish = (...events: DomainEvent[]) => {
    for (const event of events) {
      log.append(event);
      bus.push(event);
    }
  };

  /** Subscribes; the feed starts when first read (`start`, `take`). */
  const open = async (query: EventQuery) => {
    const iterator = (await feed.subscribe(query))[Symbol.asyncIterator]();
    let pending: Promise<IteratorResult<DomainEvent>> | undefined;
    const next = () => {
      const result = pending ?? iterator.next();
      pending = undefined;
      return result;
    };
    return {
      iterator,
      /** Begins a read, which is what starts the feed, without waiting for its event. */
      start() {
        pending ??= iterator.next();
      },
      /**
       * The next `count` events, or fewer when the feed stalls or ends first (so a failing
       * assertion shows what did arrive). A stalled read stays pending for the next call.
       */
      async take(count: number): Promise<DomainEvent[]> {
        const events: DomainEvent[] = [];
        while (events.length < count) {
          const read = next();
          const state: { result?: IteratorResult<DomainEvent> } = {};
          void read.then((result) => (state.result = result));
          if (!(await eventually(() => state.result !== undefined))) {
            pending = read;
            break;
          }
          if (state.result!.done) break;
          events.push(state.result!.value);
        }
        return events;
      },
      /** What the next read gives, failing fast when it does not settle. */
      read: () => settled(next(), "the next read to settle"),
      close: () => settled(iterator.return!(), "the feed to close"),
    };
  };

  /** Subscribes and reads until the feed is live: subscribed to the bus and listening for reconnects. */
  const openLive = async (query: EventQuery) => {
    const subscription = await open(query);
    const listeners = bus.reconnectListenerCount;
    subscription.start();
    await until(() => bus.reconnectListenerCount > listeners, "the feed to go live");
    return subscription;
  };

  return { log, bus, feed, make, publish, open, openLive };
}

describe("without after", () => {
  it("delivers only events published after it subscribed, in publishing order", async () => {
    const { make, publish, openLive } = setup();
    publish(make.user(), make.user({ userId: BOB }));
    const subscription = await openLive({ stream: "user" });
    const events = [make.user(), make.user({ userId: BOB, type: "user.deactivated" }), make.user()];
    publish(...events);
    expect(await subscription.take(3)).toEqual(events);
  });
});

describe("with after", () => {
  it("rejects with UnknownEventError when the log does not know the id, before subscribing to the bus", async () => {
    const { feed, make, publish, bus } = setup();
    publish(make.user());
    const subscribing = feed.subscribe({ stream: "user", after: NEVER_RECORDED });
    await expect(subscribing).rejects.toBeInstanceOf(UnknownEventError);
    await expect(subscribing).rejects.toMatchObject({ eventId: NEVER_RECORDED });
    expect(bus.subscriptions).toEqual([]);
    expect(bus.reconnectListenerCount).toBe(0);
  });

  it("replays the events recorded since `after`, oldest first, then continues live", async () => {
    const { make, publish, open } = setup();
    const [seen, missed1, missed2, live] = [make.user(), make.user(), make.user({ type: "user.deactivated" }), make.user()];
    publish(seen, missed1, missed2);
    const subscription = await open({ stream: "user", after: seen.id });
    expect(await subscription.take(2)).toEqual([missed1, missed2]);
    publish(live);
    expect(await subscription.take(1)).toEqual([live]);
  });

  it("replays nothing when `after` is the latest event, and continues live", async () => {
    const { make, publish, open } = setup();
    const [seen, live] = [make.user(), make.user()];
    publish(seen);
    const subscription = await open({ stream: "user", after: seen.id });
    subscription.start();
    publish(live);
    expect(await subscription.take(1)).toEqual([live]);
  });

  it("leaves no gap: an event published after subscribe() resolved but before the first read is replayed", async () => {
    const { make, publish, open, bus } = setup();
    const [seen, inBetween, live] = [make.user(), make.user(), make.user()];
    publish(seen);
    const subscription = await open({ stream: "user", after: seen.id });
    expect(bus.subscriptions).toEqual([]); // so the bus cannot deliver `inBetween` to it
    publish(inBetween);
    subscription.start();
    publish(live);
    expect(await subscription.take(2)).toEqual([inBetween, live]);
  });

  it("delivers an event that is both replayed and published live once, with live events after the replay, in order", async () => {
    const { make, publish, open, bus } = setup({ replayPageSize: 2 });
    const [seen, missed1, missed2, duringReplay, later] = [make.user(), make.user(), make.user(), make.user(), make.user()];
    publish(seen, missed1, missed2);
    const subscription = await open({ stream: "user", after: seen.id });
    expect(await subscription.take(1)).toEqual([missed1]);
    // Mid-replay, the feed listens on the bus already: this event reaches it live and is in the log.
    expect(bus.subscriptions).toHaveLength(1);
    publish(duringReplay);
    publish(later);
    expect(await subscription.take(3)).toEqual([missed2, duringReplay, later]);
  });

  describe("pages of replayPageSize (3)", () => {
    it.each([
      { missed: 2, pages: 1 },
      { missed: 3, pages: 2 },
      { missed: 4, pages: 2 },
      { missed: 6, pages: 3 },
    ])("replays $missed missed events in order, reading $pages pages each after the last, then continues live", async ({ missed, pages }) => {
      const { make, publish, open, log } = setup({ replayPageSize: 3 });
      const seen = make.user();
      const missedEvents = Array.from({ length: missed }, () => make.user());
      publish(seen, ...missedEvents);
      const subscription = await open({ stream: "user", after: seen.id });

      expect(await subscription.take(missed)).toEqual(missedEvents);
      const live = make.user();
      publish(live);
      expect(await subscription.take(1)).toEqual([live]);

      const pageReads = log.reads.filter((read) => read.limit > 0);
      expect(pageReads).toEqual(
        Array.from({ length: pages }, (_, page) => ({ afterId: page === 0 ? seen.id : missedEvents[page * 3 - 1]!.id, limit: 3 })),
      );
    });
  });
});

describe("duplicates", () => {
  it("delivers an event the bus delivers twice once", async () => {
    const { make, publish, openLive, bus } = setup();
    const subscription = await openLive({ stream: "user" });
    const [first, second] = [make.user(), make.user()];
    publish(first);
    bus.push(first);
    publish(second);
    expect(await subscription.take(2)).toEqual([first, second]);
  });

  it("drops duplicates, and any event at or before the last position it delivered, however late it comes", async () => {
    const { make, publish, openLive, bus } = setup({ recentIdsPerSubscription: 2 });
    const subscription = await openLive({ stream: "user" });
    const [a, b, c, d] = [make.user(), make.user(), make.user(), make.user()];
    publish(a, b, c);
    bus.push(b); // a duplicate
    bus.push(a); // older than what was delivered: never again, though its id is forgotten
    publish(d);
    expect(await subscription.take(5)).toEqual([a, b, c, d]);
  });

  it("after resuming past events numbered but not yet published, drops them when they are published late", async () => {
    const { make, publish, open, log, bus } = setup();
    const [early, anchor] = [make.user(), make.user()];
    // Numbered (in the log) while the bus is down: not published yet.
    log.append(early);
    log.append(anchor);
    const subscription = await open({ stream: "user", after: anchor.id });
    subscription.start();
    await until(() => bus.reconnectListenerCount === 1, "the feed to go live");
    bus.push(early); // published late
    bus.push(anchor);
    const next = make.user();
    publish(next);
    expect(await subscription.take(2)).toEqual([next]);
  });

  it("keeps memory per subscription: two subscribers each receive the same event", async () => {
    const { make, publish, openLive } = setup();
    const first = await openLive({ stream: "user" });
    const second = await openLive({ stream: "user", userId: ALICE });
    const event = make.user();
    publish(event);
    expect(await first.take(1)).toEqual([event]);
    expect(await second.take(1)).toEqual([event]);
  });
});

describe("filters", () => {
  it("delivers only the requested types", async () => {
    const { make, publish, openLive } = setup();
    const subscription = await openLive({ stream: "order", types: ["order.shipped", "order.cancelled"] });
    const shipped = make.order({ type: "order.shipped" });
    const cancelled = make.order({ orderId: BOB_ORDER, userId: BOB, type: "order.cancelled" });
    publish(make.order({ type: "order.placed" }), shipped, make.order({ type: "order.delivered" }), cancelled);
    expect(await subscription.take(2)).toEqual([shipped, cancelled]);
  });

  it("subscribes to the bus with its route", async () => {
    const { openLive, bus } = setup();
    await openLive({ stream: "order", userId: ALICE, orderId: ALICE_ORDER, types: ["order.shipped"] });
    expect(bus.subscriptions).toEqual([{ stream: "order", userId: ALICE, orderId: ALICE_ORDER }]);
  });

  it("drops events of the other stream even when the bus delivers them", async () => {
    const { make, openLive, bus } = setup();
    const subscription = await openLive({ stream: "user" });
    const wanted = make.user();
    bus.pushToAll(make.order());
    bus.pushToAll(wanted);
    expect(await subscription.take(1)).toEqual([wanted]);
  });

  it("drops other users' events, and its user's events of the other stream, even when the bus delivers them", async () => {
    const { make, openLive, bus } = setup();
    const subscription = await openLive({ stream: "order", userId: ALICE });
    const wanted = make.order({ orderId: ALICE_OTHER_ORDER });
    bus.pushToAll(make.order({ orderId: BOB_ORDER, userId: BOB }));
    bus.pushToAll(make.user({ userId: ALICE }));
    bus.pushToAll(wanted);
    expect(await subscription.take(1)).toEqual([wanted]);
  });

  it("drops other orders' events, even the same user's, when the bus delivers them", async () => {
    const { make, openLive, bus } = setup();
    const subscription = await openLive({ stream: "order", orderId: ALICE_ORDER });
    const wanted = make.order({ orderId: ALICE_ORDER, type: "order.shipped" });
    bus.pushToAll(make.order({ orderId: ALICE_OTHER_ORDER }));
    bus.pushToAll(make.order({ orderId: BOB_ORDER, userId: BOB }));
    bus.pushToAll(wanted);
    expect(await subscription.take(1)).toEqual([wanted]);
  });

  it("applies route and types to replayed events too", async () => {
    const { make, publish, open } = setup({ replayPageSize: 2 });
    const seen = make.order({ type: "order.placed" });
    const shipped = make.order({ type: "order.shipped" });
    const live = make.order({ orderId: ALICE_OTHER_ORDER, type: "order.shipped" });
    publish(seen, make.order({ type: "order.confirmed" }), make.order({ orderId: BOB_ORDER, userId: BOB, type: "order.shipped" }), shipped);
    const subscription = await open({ stream: "order", userId: ALICE, types: ["order.shipped"], after: seen.id });
    subscription.start();
    publish(make.order({ orderId: ALICE_OTHER_ORDER, type: "order.placed" }), live);
    expect(await subscription.take(2)).toEqual([shipped, live]);
  });
});

describe("after the bus reconnects", () => {
  it("catches up, in order, on the events published while the bus was away, then continues live, each once", async () => {
    const { make, publish, openLive, bus } = setup();
    const subscription = await openLive({ stream: "order", userId: ALICE });
    const before = make.order({ type: "order.placed" });
    publish(before);
    expect(await subscription.take(1)).toEqual([before]);

    bus.goDown();
    const [missed1, missed2] = [make.order({ type: "order.confirmed" }), make.order({ orderId: ALICE_OTHER_ORDER, type: "order.placed" })];
    publish(missed1, missed2);
    bus.reconnect();
    // Published as the bus comes back: in the log the catch-up reads, and delivered live.
    const [afterwards, later] = [make.order({ type: "order.shipped" }), make.order({ type: "order.delivered" })];
    publish(afterwards);
    publish(later);
    expect(await subscription.take(4)).toEqual([missed1, missed2, afterwards, later]);
  });

  it("catches up from `after` when it has delivered nothing since", async () => {
    const { make, publish, open, bus } = setup();
    const [seen, missed, live] = [make.user(), make.user(), make.user()];
    publish(seen);
    const subscription = await open({ stream: "user", after: seen.id });
    subscription.start();
    await until(() => bus.reconnectListenerCount === 1, "the feed to go live");
    bus.goDown();
    publish(missed);
    bus.reconnect();
    publish(live);
    expect(await subscription.take(2)).toEqual([missed, live]);
  });

  it("without after, catches up from the latest event recorded when it subscribed, not from older ones", async () => {
    const { make, publish, openLive, bus } = setup();
    publish(make.user(), make.user());
    const subscription = await openLive({ stream: "user" });
    bus.goDown();
    const [missed, live] = [make.user(), make.user()];
    publish(missed);
    bus.reconnect();
    publish(live);
    expect(await subscription.take(2)).toEqual([missed, live]);
  });

  it("catches up even when its route had no events when it subscribed", async () => {
    // A new user's first order, placed while the bus is away, must not be lost.
    const { make, publish, openLive, bus } = setup();
    publish(make.order({ orderId: ALICE_ORDER, userId: ALICE }));
    const subscription = await openLive({ stream: "order", userId: BOB });
    bus.goDown();
    const missed = make.order({ orderId: BOB_ORDER, userId: BOB, type: "order.placed" });
    publish(missed);
    bus.reconnect();
    const live = make.order({ orderId: BOB_ORDER, userId: BOB, type: "order.confirmed" });
    publish(live);
    expect(await subscription.take(2)).toEqual([missed, live]);
  });

  it("catches up after a reconnect that happens while it is still replaying", async () => {
    const { make, publish, open, bus } = setup();
    const [seen, replayed] = [make.user(), make.user()];
    publish(seen, replayed);
    const subscription = await open({ stream: "user", after: seen.id });
    // The subscriber holds on to the first replayed event (say, resolving it) before reading on.
    expect(await subscription.take(1)).toEqual([replayed]);
    bus.goDown();
    const missed = make.user({ type: "user.deactivated" });
    publish(missed);
    bus.reconnect();
    const live = make.user();
    publish(live);
    expect(await subscription.take(2)).toEqual([missed, live]);
  });

  it("reads the missed events in pages of replayPageSize", async () => {
    const { make, publish, openLive, bus, log } = setup({ replayPageSize: 2 });
    const subscription = await openLive({ stream: "user" });
    const before = make.user();
    publish(before);
    expect(await subscription.take(1)).toEqual([before]);
    bus.goDown();
    const missed = Array.from({ length: 5 }, () => make.user());
    publish(...missed);
    bus.reconnect();
    const live = make.user();
    publish(live);
    expect(await subscription.take(6)).toEqual([...missed, live]);
    expect(log.reads).toEqual([
      // The start's catch-up, from the anchor (nothing on the route yet), before anything was published.
      { afterId: null, limit: 2 },
      { afterId: before.id, limit: 2 },
      { afterId: missed[1]!.id, limit: 2 },
      { afterId: missed[3]!.id, limit: 2 },
    ]);
  });

  it("applies route and types to what it catches up on", async () => {
    const { make, publish, openLive, bus } = setup();
    publish(make.order({ type: "order.placed" }));
    const subscription = await openLive({ stream: "order", userId: ALICE, types: ["order.shipped"] });
    bus.goDown();
    const shipped = make.order({ type: "order.shipped" });
    publish(make.order({ orderId: BOB_ORDER, userId: BOB, type: "order.shipped" }), make.order({ type: "order.confirmed" }), make.user(), shipped);
    bus.reconnect();
    const live = make.order({ orderId: ALICE_OTHER_ORDER, type: "order.shipped" });
    publish(live);
    expect(await subscription.take(2)).toEqual([shipped, live]);
  });

  it("repeats nothing it delivered when the bus reconnects without having missed anything", async () => {
    const { make, publish, openLive, bus } = setup();
    const subscription = await openLive({ stream: "user" });
    const [first, second] = [make.user(), make.user()];
    publish(first);
    expect(await subscription.take(1)).toEqual([first]);
    bus.reconnect();
    bus.reconnect();
    publish(second);
    expect(await subscription.take(1)).toEqual([second]);
  });

  it("ends with the error, and unsubscribes, when the log fails while catching up", async () => {
    const { make, publish, openLive, bus, log } = setup();
    const subscription = await openLive({ stream: "user" });
    publish(make.user());
    await subscription.take(1);
    bus.goDown();
    publish(make.user());
    log.failNextRead(new Error("log unreachable"));
    bus.reconnect();
    await expect(subscription.read()).rejects.toThrow("log unreachable");
    expect(bus.subscriptions).toEqual([]);
    expect(bus.reconnectListenerCount).toBe(0);
  });
});

describe("closing", () => {
  it("stops a for-await loop that breaks, and leaves no subscription or listener behind", async () => {
    const { make, publish, feed, bus } = setup();
    const events = await feed.subscribe({ stream: "user" });
    const received: DomainEvent[] = [];
    const consuming = (async () => {
      for await (const event of events) {
        received.push(event);
        if (received.length === 2) break;
      }
    })();
    await until(() => bus.reconnectListenerCount === 1, "the feed to go live");
    const [first, second, third] = [make.user(), make.user(), make.user()];
    publish(first, second, third);
    await settled(consuming, "the loop to end");
    expect(received).toEqual([first, second]);
    expect(bus.subscriptions).toEqual([]);
    expect(bus.reconnectListenerCount).toBe(0);
  });

  it("stops promptly while waiting for a live event: the waiting read ends, and the bus is unsubscribed", async () => {
    const { make, publish, open, bus } = setup();
    const subscription = await open({ stream: "user" });
    const waiting = subscription.iterator.next();
    await until(() => bus.reconnectListenerCount === 1, "the feed to go live");
    expect(await subscription.close()).toEqual({ done: true, value: undefined });
    expect(await settled(waiting, "the waiting read to end")).toEqual({ done: true, value: undefined });
    expect(bus.subscriptions).toEqual([]);
    expect(bus.reconnectListenerCount).toBe(0);
    publish(make.user());
    expect(await subscription.read()).toEqual({ done: true, value: undefined });
  });

  it("stops in the middle of a replay without reading further pages", async () => {
    const { make, publish, open, bus, log } = setup({ replayPageSize: 2 });
    const seen = make.user();
    const missed = Array.from({ length: 5 }, () => make.user());
    publish(seen, ...missed);
    const subscription = await open({ stream: "user", after: seen.id });
    expect(await subscription.take(1)).toEqual([missed[0]]);
    await subscription.close();
    expect(log.reads.filter((read) => read.limit > 0)).toEqual([{ afterId: seen.id, limit: 2 }]);
    expect(bus.subscriptions).toEqual([]);
    expect(bus.reconnectListenerCount).toBe(0);
    expect(await subscription.read()).toEqual({ done: true, value: undefined });
  });

  it("never subscribes to the bus when closed before it was read", async () => {
    const { make, publish, open, bus } = setup();
    const subscription = await open({ stream: "user" });
    await subscription.close();
    publish(make.user());
    expect(await subscription.read()).toEqual({ done: true, value: undefined });
    expect(bus.subscriptions).toEqual([]);
    expect(bus.reconnectListenerCount).toBe(0);
  });
});

describe("a subscriber that falls behind", () => {
  it("catches up from the log, in order and once each, when more live events wait than the backlog holds", async () => {
    const { make, publish, openLive } = setup({ maxPendingEvents: 3, replayPageSize: 2 });
    const subscription = await openLive({ stream: "user" });
    const burst = Array.from({ length: 12 }, () => make.user());
    publish(...burst); // far more than 3 while the subscriber reads nothing
    await new Promise((resolve) => setImmediate(resolve));
    expect(await subscription.take(12)).toEqual(burst);
    const later = make.user();
    publish(later);
    expect(await subscription.take(1)).toEqual([later]);
  });

  it("is reported as too slow and ended when it takes nothing for maxStallMs while events wait", async () => {
    let tooSlow = 0;
    const { make, publish, open } = setup({ maxStallMs: 30 });
    const subscription = await open({ stream: "user", onTooSlow: () => tooSlow++ });
    const first = make.user();
    subscription.start();
    await until(() => true, "start");
    publish(first);
    expect(await subscription.take(1)).toEqual([first]);
    publish(make.user()); // offered, never taken
    await new Promise((resolve) => setTimeout(resolve, 60));
    publish(make.user()); // arrives after the stall: the subscriber is too slow
    await until(() => tooSlow === 1, "the subscriber to be reported");
    publish(make.user());
    expect(tooSlow).toBe(1);
  });
});
