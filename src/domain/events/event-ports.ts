import type { DomainEvent } from "./domain-event.ts";

/** Where a unit of work records its events, in the same transaction as the change. */
export interface EventOutbox {
  append(events: readonly DomainEvent[]): Promise<void>;
}

/** Which events a subscriber wants: one stream, optionally narrowed to a user or an order. */
export interface EventRoute {
  readonly stream: DomainEvent["stream"];
  readonly userId?: string;
  /** For the order stream only. */
  readonly orderId?: string;
}

/**
 * Whether `event` is on `route`: the one rule for which events a subscriber gets. The event feed
 * applies it to everything it delivers, and the buses to what their channels bring; an EventLog
 * adapter translates it into its query, and the contract tests prove the translation equal.
 */
export const isOnRoute = (event: DomainEvent, route: EventRoute): boolean =>
  event.stream === route.stream &&
  (route.userId === undefined || event.userId === route.userId) &&
  (route.orderId === undefined || event.aggregateId === route.orderId);

/** The recorded events, for replaying what a subscriber missed. */
export interface EventLog {
  /** The most recent numbered event on the route (its id and position), or null when there is none. */
  latest(route: EventRoute): Promise<{ readonly id: string; readonly position: number } | null>;
  /**
   * The position of the event `id` on the route; null while it is not numbered yet. Throws
   * `UnknownEventError` when no event on the route has that id.
   */
  positionOf(id: string, route: EventRoute): Promise<number | null>;
  /**
   * Events on the route recorded after the event `afterId` (an event on the same route; null:
   * from the first one kept),
   * oldest first, at most `limit`. Throws `UnknownEventError` when no event has that id (never
   * existed, or pruned); with `limit` 0 it only checks that.
   */
  getAfter(afterId: string | null, route: EventRoute, limit: number): Promise<DomainEvent[]>;
}

/** Delivers published events to this instance's subscribers, at least once. */
export interface EventBus {
  /** Live events on the route, from the moment the returned iterable is first read. */
  subscribe(route: EventRoute): AsyncIterable<DomainEvent>;
  /**
   * Resolves once subscriptions made so far are active. While the bus is not connected it
   * resolves at once (`onReconnect` listeners are called when it connects), or, for a bus that
   * calls them when it loses a connection, once its subscriptions are back.
   */
  ready(): Promise<void>;
  /**
   * Calls `listener` when events published meanwhile may have been missed: after the bus
   * (re)connected, or as soon as it lost a connection (then `ready()` waits until its
   * subscriptions are back). Either way, a catch-up that awaits `ready()` first misses nothing.
   * Returns a function that removes the listener.
   */
  onReconnect(listener: () => void): () => void;
}

export class UnknownEventError extends Error {
  override readonly name = "UnknownEventError";
  readonly eventId: string;
  /** True when the id is older than every event still kept: it was pruned after the retention period. */
  readonly expired: boolean;
  constructor(eventId: string, expired = false) {
    super(expired ? `event ${eventId} is older than the retention period and no longer kept` : `no event has id ${eventId}`);
    this.eventId = eventId;
    this.expired = expired;
  }
}

/** A resume point (`after`) that is not even shaped like an event id. */
export class MalformedEventIdError extends Error {
  override readonly name = "MalformedEventIdError";
  readonly eventId: string;
  constructor(eventId: string) {
    super(`${JSON.stringify(eventId.slice(0, 100))} is not an event id`);
    this.eventId = eventId;
  }
}
