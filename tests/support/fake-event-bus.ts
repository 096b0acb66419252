/**
 * An in-memory EventBus for unit tests of what consumes it. It behaves like the real bus
 * (src/infra/events/event-bus.ts) where the port allows: subscriptions are lazy (active from the
 * first read), each one buffers what it was sent until read, closing one settles a pending read,
 * and while the bus is down published events are lost. Tests drive it (`push`, `goDown`,
 * `reconnect`) and observe it (`subscriptions`, `reconnectListenerCount`).
 */
import type { DomainEvent } from "../../src/domain/events/domain-event.ts";
import { isOnRoute, type EventBus, type EventRoute } from "../../src/domain/events/event-ports.ts";

export interface FakeEventBus extends EventBus {
  /** Delivers to every active subscription whose route the event is on; lost while the bus is down. */
  push(event: DomainEvent): void;
  /** A misbehaving bus: delivers to every active subscription, whatever its route. */
  pushToAll(event: DomainEvent): void;
  /** Until `reconnect()`, pushed events reach nobody; subscriptions survive, as Redis resubscribes. */
  goDown(): void;
  /** Up again; tells every reconnect listener. */
  reconnect(): void;
  /** Routes of the subscriptions being read and not yet closed, oldest first. */
  readonly subscriptions: readonly EventRoute[];
  readonly reconnectListenerCount: number;
}

interface Subscription {
  readonly route: EventRoute;
  readonly buffered: DomainEvent[];
  waiting: ((result: IteratorResult<DomainEvent>) => void) | undefined;
}

export function createFakeEventBus(): FakeEventBus {
  const active = new Set<Subscription>();
  const reconnectListeners = new Set<() => void>();
  let down = false;

  const send = (subscription: Subscription, event: DomainEvent) => {
    const waiting = subscription.waiting;
    subscription.waiting = undefined;
    if (waiting) waiting({ value: event, done: false });
    else subscription.buffered.push(event);
  };

  return {
    subscribe(route) {
      return {
        [Symbol.asyncIterator](): AsyncIterator<DomainEvent> {
          const subscription: Subscription = { route, buffered: [], waiting: undefined };
          let state: "lazy" | "open" | "closed" = "lazy";
          return {
            next() {
              if (state === "lazy") {
                state = "open";
                active.add(subscription);
              }
              const event = subscription.buffered.shift();
              if (event) return Promise.resolve({ value: event, done: false });
              if (state === "closed") return Promise.resolve({ value: undefined, done: true });
              return new Promise((resolve) => (subscription.waiting = resolve));
            },
            return() {
              state = "closed";
              active.delete(subscription);
              subscription.buffered.length = 0;
              const waiting = subscription.waiting;
              subscription.waiting = undefined;
              waiting?.({ value: undefined, done: true });
              return Promise.resolve({ value: undefined, done: true });
            },
          };
        },
      };
    },

    async ready() {},

    onReconnect(listener) {
      // A wrapper, so one listener added twice counts (and is removed) twice.
      const entry = () => listener();
      reconnectListeners.add(entry);
      return () => reconnectListeners.delete(entry);
    },

    push(event) {
      if (down) return;
      for (const subscription of active) if (isOnRoute(event, subscription.route)) send(subscription, event);
    },

    pushToAll(event) {
      if (down) return;
      for (const subscription of active) send(subscription, event);
    },

    goDown() {
      down = true;
    },

    reconnect() {
      down = false;
      for (const listener of [...reconnectListeners]) listener();
    },

    get subscriptions() {
      return [...active].map((subscription) => subscription.route);
    },

    get reconnectListenerCount() {
      return reconnectListeners.size;
    },
  };
}
