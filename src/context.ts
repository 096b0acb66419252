/**
 * The composition root: for each request (and each subscription event) it wires repositories,
 * services and loaders. Nothing here outlives a request.
 */
import type { MikroORM } from "@mikro-orm/postgresql";
import { ANONYMOUS, type Viewer } from "./domain/access/viewer.ts";
import type { EventFeed } from "./domain/events/event-feed.ts";
import { createEventService, type EventService } from "./domain/events/event-service.ts";
import { createOrderService, type OrderService } from "./domain/orders/order-service.ts";
import type { Clock } from "./domain/shared/clock.ts";
import type { IdGenerator } from "./domain/shared/ids.ts";
import { createUserService, type UserService } from "./domain/users/user-service.ts";
import type { RateLimitedAction, RateLimiter } from "./domain/shared/rate-limit.ts";
import type { RequestMetadata } from "./domain/shared/request-metadata.ts";
import type { UnitOfWork } from "./domain/shared/unit-of-work.ts";
import type { ReadConsistency, ReadRouting } from "./infra/mikro-orm/read-routing.ts";
import { createMikroOrmRepositories, createMikroOrmUnitOfWork } from "./infra/mikro-orm/unit-of-work.ts";
import { createLoaders, type Loaders } from "./loaders/index.ts";

export interface Services {
  readonly users: UserService;
  readonly orders: OrderService;
  /** Subscriptions: which events the viewer gets. */
  readonly events: EventService;
}

export interface Context {
  /** Correlates the response (`x-request-id`) with the server's log lines. */
  readonly requestId: string;
  /** The request's W3C trace context, when it sent one (logged, and carried into its events). */
  readonly traceparent?: string;
  /** Who is calling, from a verified token (anonymous without one). */
  readonly viewer: Viewer;
  /** How the operation arrived (a subscription over HTTP is a server-sent event stream). */
  readonly transport: "http" | "websocket";
  /** Tells the transport a subscriber stopped taking events. */
  readonly onSlowSubscriber?: () => void;
  /** When the caller's token expires (ms since the epoch); a subscription over HTTP ends then. */
  readonly tokenExpiresAt?: number;
  /** Counts a rate-limited action against the caller; throws `RateLimitedError` over the limit. */
  readonly rateLimit: (action: RateLimitedAction) => Promise<void>;
  readonly services: Services;
  readonly loaders: Loaders;
  /**
   * Lets this operation's reads go to a database replica, which may be a moment behind the
   * primary: called for queries only. Mutations (and their answers) and subscriptions read the
   * primary, so a client sees its own writes.
   */
  readFromReplicas(): void;
  /**
   * Replaces services and loaders with fresh ones. A subscription calls it before resolving
   * each event, with the event, so every event sees current rows, not a loader's cache.
   */
  renew(event?: { readonly traceparent?: string }): void;
  /**
   * The subscription event being resolved now: what caused it (its trace context) and when it
   * was taken, for its span. A holder, because yoga copies the context's own properties.
   */
  readonly eventBeingResolved: { current?: { readonly traceparent?: string; readonly takenAt: number } };
}

export interface ContextDeps {
  readonly orm: MikroORM;
  readonly clock: Clock;
  readonly newId: IdGenerator;
  readonly events: EventFeed;
  readonly rateLimiter: RateLimiter;
  /** Where reads outside a transaction run (read-routing.ts). */
  readonly readRouting: ReadRouting;
}

/** What the transport knows about one operation. */
export interface OperationOrigin {
  readonly requestId: string;
  readonly metadata?: RequestMetadata;
  readonly viewer?: Viewer;
  /** The client's address, which identifies anonymous callers for rate limits. */
  readonly clientAddress?: string;
  readonly transport?: "http" | "websocket";
  /** Called when one of this connection's subscribers stops taking events (the transport closes it). */
  readonly onSlowSubscriber?: () => void;
  /** When the caller's token expires (ms since the epoch). */
  readonly tokenExpiresAt?: number;
}

type DatabaseServices = Omit<Services, "events">;

/**
 * The services of one operation, the database's wired on first use. A class, not an object
 * literal with getters, for the reason `PageInfo` is one (schema/connection.ts): a literal's own
 * getters would keep the whole request alive through young-generation collections.
 */
class LazyServices implements Services {
  readonly events: EventService;
  readonly #wired: () => { readonly services: DatabaseServices };
  constructor(events: EventService, wired: () => { readonly services: DatabaseServices }) {
    this.events = events;
    this.#wired = wired;
  }
  get users(): UserService {
    return this.#wired().services.users;
  }
  get orders(): OrderService {
    return this.#wired().services.orders;
  }
}

export function createContextFactory({ orm, clock, newId, events, rateLimiter, readRouting }: ContextDeps) {
  const wire = (metadata: RequestMetadata, viewer: Viewer, consistency: () => ReadConsistency) => {
    // Reads outside a transaction select plain rows through the pool: they need no EntityManager
    // of their own (nothing to track), and forking one costs more than many a read. Entities live
    // only in a unit of work, which forks its own EntityManager for its transaction (the global
    // one refuses entity work: allowGlobalContext is off).
    const repositories = createMikroOrmRepositories(orm.em, metadata, readRouting.reads(orm.em, consistency));
    const transactions = createMikroOrmUnitOfWork(orm.em, metadata);
    // A mutation's payload, and every field after it in the same request (a second mutation,
    // its payload), must see what it committed, not what the loaders cached before.
    const unitOfWork: UnitOfWork = {
      run: async (work) => {
        try {
          return await transactions.run(work);
        } finally {
          loaders.clearAll();
        }
      },
    };
    const services = {
      users: createUserService({ users: repositories.users, unitOfWork, clock, newId, viewer }),
      orders: createOrderService({ orders: repositories.orders, unitOfWork, clock, newId, viewer }),
    };
    const loaders = createLoaders(services);
    return { services, loaders };
  };

  return ({ requestId, metadata = {}, viewer = ANONYMOUS, clientAddress = "unknown", transport = "http", onSlowSubscriber, tokenExpiresAt }: OperationOrigin): Context => {
    // Wired on first use, and again on first use after `renew()` (fresh loaders, so a
    // subscription event sees rows as they are now); an operation that never touches the
    // database wires nothing.
    let current: ReturnType<typeof wire> | undefined;
    let consistency: ReadConsistency = "primary";
    const eventBeingResolved: Context["eventBeingResolved"] = {};
    const wired = () => (current ??= wire(metadata, viewer, () => consistency));
    const eventService = createEventService({ feed: events, viewer });
    const services = new LazyServices(eventService, wired);
    const loaders = new Proxy({} as Loaders, { get: (_, key) => wired().loaders[key as keyof Loaders] });
    return {
      requestId,
      traceparent: metadata.traceparent,
      viewer,
      transport,
      onSlowSubscriber,
      tokenExpiresAt,
      services,
      loaders,
      renew(event) {
        current = undefined;
        eventBeingResolved.current = event && { traceparent: event.traceparent, takenAt: Date.now() };
      },
      eventBeingResolved,
      readFromReplicas() {
        consistency = "replica";
      },
      rateLimit: async (action) => {
        const caller = viewer.kind === "anonymous" || viewer.userId === null ? `address:${clientAddress}` : `user:${viewer.userId}`;
        await rateLimiter.consume(action, caller);
      },
    };
  };
}
