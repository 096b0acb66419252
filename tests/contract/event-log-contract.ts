/**
 * Which recorded events an EventLog hands out for a route: exactly those `isOnRoute` accepts,
 * however the adapter expresses the rule (the MikroORM log: SQL conditions). Run on PostgreSQL
 * (mikro-orm.test.ts) over every combination of stream, user and order a route can name.
 */
import { beforeEach, describe, expect, it } from "vitest";
import type { DomainEvent } from "../../src/domain/events/domain-event.ts";
import { isOnRoute, UnknownEventError, type EventLog, type EventRoute } from "../../src/domain/events/event-ports.ts";
import { ALICE, ALICE_ORDER, ALICE_OTHER_ORDER, BOB, BOB_ORDER, eventMaker, NOBODY } from "./sample-events.ts";

export interface EventLogHarness {
  readonly log: EventLog;
  /**
   * Records the events as a unit of work's outbox does and numbers them as the relay does;
   * resolves with them as the log should hand them out (each with its position).
   */
  record(events: readonly DomainEvent[]): Promise<DomainEvent[]>;
  /** Empties the log. */
  reset(): Promise<void>;
}

const users = [undefined, ALICE, BOB, NOBODY];
// ALICE as an order id: a user's id where an order's is expected matches nothing on the order
// stream, and the user's own events on the user stream (aggregateId is the user).
const orders = [undefined, ALICE_ORDER, BOB_ORDER, ALICE, NOBODY];
const routes: EventRoute[] = (["user", "order"] as const).flatMap((stream) =>
  users.flatMap((userId) => orders.map((orderId) => ({ stream, ...(userId ? { userId } : {}), ...(orderId ? { orderId } : {}) }))),
);

const label = (route: EventRoute) => JSON.stringify(route);

export function describeEventLogContract(name: string, setup: () => EventLogHarness) {
  describe(`${name}: EventLog routes`, () => {
    let harness: EventLogHarness;
    /** Every recorded event, numbered, oldest first. */
    let recorded: DomainEvent[];

    beforeEach(async () => {
      harness = setup();
      await harness.reset();
      const make = eventMaker();
      recorded = await harness.record([
        make.user({ userId: ALICE, type: "user.created" }),
        make.user({ userId: BOB, type: "user.created" }),
        make.order({ orderId: ALICE_ORDER, type: "order.placed", previous: null }),
        make.order({ orderId: BOB_ORDER, userId: BOB, type: "order.placed", previous: null }),
        make.order({ orderId: ALICE_OTHER_ORDER, type: "order.placed", previous: null }),
        make.user({ userId: ALICE }),
        make.order({ orderId: ALICE_ORDER, type: "order.shipped" }),
        make.order({ orderId: BOB_ORDER, userId: BOB, type: "order.cancelled" }),
        // An order event naming another user than the order's owner: only the rule decides.
        make.order({ orderId: ALICE_ORDER, userId: BOB }),
        make.user({ userId: BOB, type: "user.deactivated" }),
      ]);
      expect(recorded.map((event) => event.position)).toEqual(recorded.map((_, index) => recorded[0]!.position! + index));
    });

    it("hands out, for every route, exactly the events isOnRoute accepts, oldest first, and the latest of them", async () => {
      for (const route of routes) {
        const expected = recorded.filter((event) => isOnRoute(event, route));
        expect(await harness.log.getAfter(null, route, 100), label(route)).toEqual(expected);
        const latest = expected.at(-1);
        expect(await harness.log.latest(route), label(route)).toEqual(latest ? { id: latest.id, position: latest.position } : null);
      }
    });

    it("knows an event's position only on the routes it is on", async () => {
      for (const route of routes) {
        for (const event of recorded) {
          const found = harness.log.positionOf(event.id, route);
          if (isOnRoute(event, route)) await expect(found, `${event.type} ${event.id} on ${label(route)}`).resolves.toBe(event.position);
          else await expect(found, `${event.type} ${event.id} off ${label(route)}`).rejects.toBeInstanceOf(UnknownEventError);
        }
      }
    });

    it("replays after an event only on the routes it is on, giving the rest of the route", async () => {
      for (const route of routes) {
        const onRoute = recorded.filter((event) => isOnRoute(event, route));
        for (const [index, anchor] of onRoute.entries()) {
          expect(await harness.log.getAfter(anchor.id, route, 100), `after ${anchor.id} on ${label(route)}`).toEqual(onRoute.slice(index + 1));
        }
        const offRoute = recorded.find((event) => !isOnRoute(event, route));
        if (offRoute) await expect(harness.log.getAfter(offRoute.id, route, 100), label(route)).rejects.toBeInstanceOf(UnknownEventError);
      }
    });
  });
}
