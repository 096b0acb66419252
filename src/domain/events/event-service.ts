/**
 * Subscriptions, as the viewer may have them: the one place that decides which events a
 * subscriber gets. Anonymous callers get none; a customer's subscription is narrowed to their
 * own user (asking for someone else's is refused); an administrator's is as asked. Every event
 * is checked again before it is handed over, whatever the bus delivered.
 */
import { canSeeEventOf, AccessDeniedError, requireSignedIn, type Viewer } from "../access/viewer.ts";
import type { DomainEvent } from "./domain-event.ts";
import { isUuid } from "../shared/ids.ts";
import type { EventFeed, EventQuery } from "./event-feed.ts";
import { MalformedEventIdError } from "./event-ports.ts";

export interface EventServiceDeps {
  readonly feed: EventFeed;
  readonly viewer: Viewer;
}

export type EventService = ReturnType<typeof createEventService>;

export function createEventService({ feed, viewer }: EventServiceDeps) {
  return {
    /**
     * Replays what the query's `after` missed, then live events. Throws `MalformedEventIdError`
     * when `after` is not an event id, `UnknownEventError` when it names no event kept for the route.
     */
    async subscribe(requested: EventQuery): Promise<AsyncIterable<DomainEvent>> {
      requireSignedIn(viewer, "subscribe");
      if (viewer.kind === "customer" && requested.userId !== undefined && requested.userId !== viewer.userId) {
        throw new AccessDeniedError("Customers may only subscribe to their own events.");
      }
      if (requested.after !== undefined && !isUuid(requested.after)) throw new MalformedEventIdError(requested.after);
      const query = viewer.kind === "customer" ? { ...requested, userId: viewer.userId } : requested;
      return onlyWhere(await feed.subscribe(query), (event) => canSeeEventOf(viewer, event.userId));
    },
  };
}

/** The events of `source` that pass `keep`; ending the result ends `source` at once, even mid-wait. */
function onlyWhere(source: AsyncIterable<DomainEvent>, keep: (event: DomainEvent) => boolean): AsyncIterable<DomainEvent> {
  return {
    [Symbol.asyncIterator]() {
      const iterator = source[Symbol.asyncIterator]();
      return {
        async next() {
          for (;;) {
            const result = await iterator.next();
            if (result.done || keep(result.value)) return result;
          }
        },
        return: (value?: unknown) => iterator.return?.(value) ?? Promise.resolve({ done: true as const, value: undefined }),
      };
    },
  };
}
