/**
 * Which events a subscriber gets: the event service is the one place that decides it. Driven
 * through a scripted feed, so each rule is seen apart from delivery.
 */
import { describe, expect, it } from "vitest";
import { AccessDeniedError, AuthenticationRequiredError, type Viewer } from "../../src/domain/access/viewer.ts";
import type { DomainEvent } from "../../src/domain/events/domain-event.ts";
import type { EventFeed, EventQuery } from "../../src/domain/events/event-feed.ts";
import { MalformedEventIdError } from "../../src/domain/events/event-ports.ts";
import { createEventService } from "../../src/domain/events/event-service.ts";

const ALICE = "00000000-0000-7000-8000-00000000000a";
const BOB = "00000000-0000-7000-8000-00000000000b";

const userEventOf = (userId: string, id: string): DomainEvent => ({
  id,
  stream: "user",
  type: "user.updated",
  aggregateId: userId,
  userId,
  occurredAt: new Date(0),
  data: { userId, status: "ACTIVE", version: 2 },
});

/** A feed that records the query it was given and hands out `events`, then waits forever (until returned). */
function scriptedFeed(events: DomainEvent[]) {
  const queries: EventQuery[] = [];
  let returned = false;
  const feed: EventFeed = {
    async subscribe(query) {
      queries.push(query);
      const queue = [...events];
      return {
        [Symbol.asyncIterator]: () => ({
          next: () => (queue.length ? Promise.resolve({ done: false as const, value: queue.shift()! }) : new Promise<IteratorResult<DomainEvent>>(() => {})),
          return: () => {
            returned = true;
            return Promise.resolve({ done: true as const, value: undefined });
          },
        }),
      };
    },
  };
  return { feed, queries, wasReturned: () => returned };
}

const customer = (userId: string): Viewer => ({ kind: "customer", userId });
const ADMIN: Viewer = { kind: "admin", userId: null };

describe("the event service", () => {
  it("refuses anonymous callers, and customers asking for someone else's events", async () => {
    const { feed, queries } = scriptedFeed([]);
    await expect(createEventService({ feed, viewer: { kind: "anonymous" } }).subscribe({ stream: "user" })).rejects.toBeInstanceOf(AuthenticationRequiredError);
    await expect(createEventService({ feed, viewer: customer(ALICE) }).subscribe({ stream: "user", userId: BOB })).rejects.toBeInstanceOf(AccessDeniedError);
    expect(queries).toEqual([]);
  });

  it("checks who may subscribe before the shape of `after`, which it refuses before the feed is asked", async () => {
    const { feed, queries } = scriptedFeed([]);
    await expect(createEventService({ feed, viewer: customer(ALICE) }).subscribe({ stream: "user", userId: BOB, after: "nope" })).rejects.toBeInstanceOf(AccessDeniedError);
    await expect(createEventService({ feed, viewer: customer(ALICE) }).subscribe({ stream: "user", after: "nope" })).rejects.toBeInstanceOf(MalformedEventIdError);
    expect(queries).toEqual([]);
  });

  it("narrows a customer's subscription to their own user; an administrator's stays as asked", async () => {
    const { feed, queries } = scriptedFeed([]);
    await createEventService({ feed, viewer: customer(ALICE) }).subscribe({ stream: "order", types: ["order.placed"] });
    await createEventService({ feed, viewer: ADMIN }).subscribe({ stream: "order" });
    expect(queries).toEqual([{ stream: "order", types: ["order.placed"], userId: ALICE }, { stream: "order" }]);
  });

  it("drops any event about a user the viewer may not see, whatever the feed delivered", async () => {
    const { feed } = scriptedFeed([userEventOf(BOB, "e1"), userEventOf(ALICE, "e2"), userEventOf(BOB, "e3"), userEventOf(ALICE, "e4")]);
    const iterator = (await createEventService({ feed, viewer: customer(ALICE) }).subscribe({ stream: "user" }))[Symbol.asyncIterator]();
    expect((await iterator.next()).value?.id).toBe("e2");
    expect((await iterator.next()).value?.id).toBe("e4");
  });

  it("ends the feed's stream at once when the subscriber leaves, even while waiting for an event", async () => {
    const { feed, wasReturned } = scriptedFeed([]);
    const iterator = (await createEventService({ feed, viewer: ADMIN }).subscribe({ stream: "user" }))[Symbol.asyncIterator]();
    void iterator.next(); // waiting: the feed has nothing
    await iterator.return?.();
    expect(wasReturned()).toBe(true);
  });
});
