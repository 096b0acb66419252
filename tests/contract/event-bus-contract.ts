/**
 * The behaviour every EventBus must have, as the event feed relies on it (the port's JSDoc in
 * src/domain/events/event-ports.ts). Run against the fake the unit tests use
 * (fake-event-bus.test.ts) and the real buses, in-process and on Redis (event-bus.test.ts), so
 * the fake cannot drift from the real thing. `isOnRoute` is the oracle for which events a
 * subscription gets.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { DomainEvent } from "../../src/domain/events/domain-event.ts";
import { isOnRoute, type EventBus, type EventRoute } from "../../src/domain/events/event-ports.ts";
import { ALICE, ALICE_ORDER, ALICE_OTHER_ORDER, BOB, BOB_ORDER, eventMaker, NOBODY } from "./sample-events.ts";

export interface EventBusHarness {
  readonly bus: EventBus;
  /** Gets events onto the bus the way its producer does (the real buses: as the relay's CloudEvents), in order. */
  publish(events: readonly DomainEvent[]): Promise<void>;
  /**
   * Drops the bus's connection and brings it back; resolves once events can be published again.
   * Absent for a bus that has no connection to lose.
   */
  reconnect?(): Promise<void>;
  close(): Promise<void>;
}

/** How long a read may take before the test gives up on it (a real bus crosses the network). */
const READ_TIMEOUT_MS = 2000;

/** Reads from a subscription, keeping a read that has not settled yet for the next call. */
function reader(subscription: AsyncIterable<DomainEvent>) {
  const iterator = subscription[Symbol.asyncIterator]();
  let pending: Promise<IteratorResult<DomainEvent>> | undefined;
  const next = () => {
    const read = pending ?? iterator.next();
    pending = undefined;
    return read;
  };
  /** The read's result, or "timeout" (keeping the read pending) when it does not settle in time. */
  const within = async (read: Promise<IteratorResult<DomainEvent>>, ms: number) => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), ms)));
    const result = await Promise.race([read, timeout]).finally(() => clearTimeout(timer));
    if (result === "timeout") pending = read;
    return result;
  };
  return {
    iterator,
    /** Begins a read, which is what starts a subscription, without waiting for its event. */
    start() {
      pending ??= iterator.next();
    },
    /** The next `count` events, or fewer when the subscription stalls or ends first (so a failing assertion shows what did arrive). */
    async take(count: number, ms = READ_TIMEOUT_MS): Promise<DomainEvent[]> {
      const events: DomainEvent[] = [];
      while (events.length < count) {
        const result = await within(next(), ms);
        if (result === "timeout" || result.done) break;
        events.push(result.value);
      }
      return events;
    },
    /** What the next read settles with, or "timeout". */
    read: (ms = READ_TIMEOUT_MS) => within(next(), ms),
    close: () => iterator.return!(),
  };
}

export function describeEventBusContract(name: string, setup: () => Promise<EventBusHarness>) {
  describe(`${name}: EventBus port`, () => {
    let harness: EventBusHarness;
    let bus: EventBus;
    let make: ReturnType<typeof eventMaker>;
    const readers: ReturnType<typeof reader>[] = [];
    /** A subscription on `route`, read from: active once `ready()` resolves. */
    const subscribe = async (route: EventRoute) => {
      const subscription = reader(bus.subscribe(route));
      readers.push(subscription);
      subscription.start();
      await bus.ready();
      return subscription;
    };

    beforeEach(async () => {
      harness = await setup();
      bus = harness.bus;
      make = eventMaker();
    });
    afterEach(async () => {
      await Promise.all(readers.splice(0).map((subscription) => subscription.close()));
      await harness.close();
    });

    describe("subscribing is lazy", () => {
      it("delivers nothing published before the first read, and everything published once ready() resolves after it", async () => {
        const subscribed = bus.subscribe({ stream: "user" });
        const [before, after] = [make.user(), make.user()];
        await harness.publish([before]);
        await bus.ready();
        const subscription = reader(subscribed);
        readers.push(subscription);
        subscription.start();
        await bus.ready();
        await harness.publish([after]);
        expect(await subscription.take(1)).toEqual([after]);
      });

      it("counts from the first read, not from getting the iterator", async () => {
        const subscription = reader(bus.subscribe({ stream: "order", userId: ALICE }));
        readers.push(subscription);
        await bus.ready();
        const [before, after] = [make.order(), make.order()];
        await harness.publish([before]);
        subscription.start();
        await bus.ready();
        await harness.publish([after]);
        expect(await subscription.take(1)).toEqual([after]);
      });
    });

    describe("routes", () => {
      const routes: readonly EventRoute[] = [
        { stream: "user" },
        { stream: "order" },
        { stream: "user", userId: ALICE },
        { stream: "user", userId: NOBODY },
        { stream: "order", userId: ALICE },
        { stream: "order", userId: BOB },
        { stream: "order", orderId: ALICE_ORDER },
        { stream: "order", userId: ALICE, orderId: ALICE_ORDER },
        // A customer asking for someone else's order: the route names both, and nothing is on it.
        { stream: "order", userId: BOB, orderId: ALICE_ORDER },
      ];

      it("gives each subscription exactly the events on its route, in publish order", async () => {
        const subscriptions = await Promise.all(routes.map((route) => subscribe(route)));
        const mixed = [
          make.user({ userId: ALICE }),
          make.order({ orderId: ALICE_ORDER, type: "order.placed", previous: null }),
          make.user({ userId: BOB, type: "user.created" }),
          make.order({ orderId: BOB_ORDER, userId: BOB }),
          make.order({ orderId: ALICE_OTHER_ORDER }),
          make.order({ orderId: ALICE_ORDER, type: "order.shipped" }),
          make.user({ userId: ALICE, type: "user.deactivated" }),
          make.order({ orderId: BOB_ORDER, userId: BOB, type: "order.cancelled" }),
        ];
        // One more event per route, so each subscription's last expected event comes after
        // everything else: an event it should not get shows up as a mismatch, not as silence.
        const closing = [
          make.user({ userId: ALICE }),
          make.user({ userId: NOBODY }),
          make.order({ orderId: ALICE_ORDER, userId: BOB }),
          make.order({ orderId: ALICE_ORDER }),
          make.order({ orderId: BOB_ORDER, userId: BOB }),
        ];
        for (const route of routes) expect(closing.some((event) => isOnRoute(event, route)), JSON.stringify(route)).toBe(true);
        await harness.publish(mixed);
        await harness.publish(closing);

        const published = [...mixed, ...closing];
        for (const [index, route] of routes.entries()) {
          const expected = published.filter((event) => isOnRoute(event, route));
          expect(await subscriptions[index]!.take(expected.length), JSON.stringify(route)).toEqual(expected);
        }
        const more = await Promise.all(subscriptions.map((subscription) => subscription.read(100)));
        expect(more).toEqual(routes.map(() => "timeout"));
      });

      it("gives every subscription on the same route every event", async () => {
        const firehose = await Promise.all([subscribe({ stream: "order" }), subscribe({ stream: "order" }), subscribe({ stream: "order" })]);
        const alices = await Promise.all([subscribe({ stream: "order", userId: ALICE }), subscribe({ stream: "order", userId: ALICE })]);
        const events = [make.order(), make.order({ orderId: BOB_ORDER, userId: BOB }), make.order({ orderId: ALICE_OTHER_ORDER })];
        await harness.publish(events);
        for (const subscription of firehose) expect(await subscription.take(3)).toEqual(events);
        for (const subscription of alices) expect(await subscription.take(2)).toEqual([events[0], events[2]]);
      });

      it("keeps publish order across many events and several publishes", async () => {
        const subscription = await subscribe({ stream: "user", userId: BOB });
        const events = Array.from({ length: 150 }, () => make.user({ userId: BOB }));
        await harness.publish(events.slice(0, 100));
        await harness.publish(events.slice(100, 101));
        await harness.publish(events.slice(101));
        expect((await subscription.take(150)).map((event) => event.id)).toEqual(events.map((event) => event.id));
      });
    });

    it("delivers events with every field as published", async () => {
      const users = await subscribe({ stream: "user" });
      const orders = await subscribe({ stream: "order" });
      const numbered: DomainEvent = { ...make.user({ userId: BOB, type: "user.created" }), position: 41 };
      const placed = make.order({ type: "order.placed", previous: null });
      const cancelled = make.order({ type: "order.cancelled", previous: "CONFIRMED" });
      const withReason: DomainEvent = { ...cancelled, data: { ...cancelled.data, reason: "changed my mind" }, position: 42 };
      await harness.publish([numbered, placed, withReason]);
      expect(await users.take(1)).toStrictEqual([numbered]);
      expect(await orders.take(2)).toStrictEqual([placed, withReason]);
    });

    describe("closing a subscription", () => {
      it("settles a pending read with done, and delivers nothing after", async () => {
        const subscription = reader(bus.subscribe({ stream: "user" }));
        const pending = subscription.iterator.next();
        await bus.ready();
        await subscription.close();
        expect(await pending).toEqual({ value: undefined, done: true });
        await harness.publish([make.user()]);
        expect(await subscription.read()).toEqual({ value: undefined, done: true });
      });

      it("drops what it was sent but had not read", async () => {
        const subscription = await subscribe({ stream: "user" });
        const [first, second] = [make.user(), make.user()];
        await harness.publish([first, second]);
        expect(await subscription.take(1)).toEqual([first]);
        await subscription.close();
        expect(await subscription.read()).toEqual({ value: undefined, done: true });
      });

      it("ends a subscription closed before its first read", async () => {
        const subscription = reader(bus.subscribe({ stream: "user" }));
        expect(await subscription.close()).toEqual({ value: undefined, done: true });
        await harness.publish([make.user()]);
        expect(await subscription.read()).toEqual({ value: undefined, done: true });
      });

      it("leaves the other subscriptions on the route delivering", async () => {
        const [closed, open] = [await subscribe({ stream: "order", orderId: ALICE_ORDER }), await subscribe({ stream: "order", orderId: ALICE_ORDER })];
        await closed.close();
        const event = make.order();
        await harness.publish([event]);
        expect(await open.take(1)).toEqual([event]);
      });
    });

    describe("reconnecting", () => {
      it("returns a remover from onReconnect", () => {
        const remove = bus.onReconnect(() => {});
        expect(remove).toBeTypeOf("function");
        remove();
        remove(); // removing twice is harmless
      });

      it("tells the listeners that are still there after a reconnect, and delivers again once ready() resolves", async (context) => {
        if (!harness.reconnect) return context.skip("this bus has no connection to lose");
        const subscription = await subscribe({ stream: "order", userId: ALICE });
        const calls = { kept: 0, removed: 0 };
        bus.onReconnect(() => calls.kept++);
        const remove = bus.onReconnect(() => calls.removed++);
        remove();
        await harness.reconnect();
        await expect.poll(() => calls.kept, { timeout: 10_000 }).toBe(1);
        expect(calls.removed).toBe(0);
        await bus.ready();
        const event = make.order();
        await harness.publish([event]);
        expect(await subscription.take(1)).toEqual([event]);
      });
    });
  });
}
