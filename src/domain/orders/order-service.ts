import { createHash } from "node:crypto";
import { canSeeOrdersOf, canSeeUser, requireAdmin, requireSignedIn, type Viewer } from "../access/viewer.ts";
import { orderEvent, type OrderEventType } from "../events/domain-event.ts";
import type { Clock } from "../shared/clock.ts";
import type { IdGenerator } from "../shared/ids.ts";
import { ConcurrentUpdateError, MissingReferenceError, UniquenessViolationError } from "../shared/persistence-errors.ts";
import { err, ok, type Result } from "../shared/result.ts";
import type { Repositories, UnitOfWork } from "../shared/unit-of-work.ts";
import { UserStatus, type User } from "../users/user.ts";
import { userErrors } from "../users/user-errors.ts";
import { orderErrors } from "./order-errors.ts";
import { newOrder, parseOrderRequest, transitionOrder, type Order, type OrderItemInput, type OrderRequest } from "./order.ts";
import type { Page } from "../shared/pagination.ts";
import type { OrderFilter, OrderPageQuery, OrderRepository, UserOrdersQuery } from "./order-repository.ts";
import type { OrderTransition } from "./order-status-machine.ts";

export interface OrderServiceDeps {
  /** For reads outside a transaction. */
  readonly orders: OrderRepository;
  readonly unitOfWork: UnitOfWork;
  readonly clock: Clock;
  readonly newId: IdGenerator;
  /** Who is calling: what they may see and change. */
  readonly viewer: Viewer;
}

export interface PlaceOrderInput {
  readonly userId: string;
  readonly currency: string;
  readonly items: readonly OrderItemInput[];
  readonly idempotencyKey?: string | null;
}

export interface OrderTransitionInput {
  readonly id: string;
  readonly expectedVersion?: number | null;
}

export interface CancelOrderInput extends OrderTransitionInput {
  readonly reason?: string | null;
}

export const IDEMPOTENCY_KEY_MAX_LENGTH = 200;

const TRANSITION_EVENTS: Record<OrderTransition, OrderEventType> = {
  confirm: "order.confirmed",
  ship: "order.shipped",
  deliver: "order.delivered",
  cancel: "order.cancelled",
};

export type OrderService = ReturnType<typeof createOrderService>;

/**
 * Orders, as the viewer may see and change them: admins everything; customers their own
 * orders only (anyone else's read as missing), placing and cancelling but never confirming,
 * shipping or delivering; anonymous callers nothing.
 */
export function createOrderService({ orders, unitOfWork, clock, newId, viewer }: OrderServiceDeps) {
  const visible = (order: Order | null) => (order && canSeeOrdersOf(viewer, order.userId) ? order : null);

  /** The filter narrowed to what the viewer may see; null when it can match nothing visible. */
  function scoped(filter: OrderFilter): OrderFilter | null {
    requireSignedIn(viewer, "read orders");
    if (viewer.kind !== "customer") return filter;
    if (filter.userId !== undefined && filter.userId !== viewer.userId) return null;
    return { ...filter, userId: viewer.userId };
  }

  async function transition(input: CancelOrderInput, name: OrderTransition): Promise<Result<Order>> {
    if (name === "cancel") requireSignedIn(viewer, "cancel orders");
    else requireAdmin(viewer, `${name} orders`);
    try {
      return await unitOfWork.run(async (tx) => {
        const order = visible(await tx.orders.getOne(input.id));
        if (!order) return err(orderErrors.notFound());
        if (input.expectedVersion != null && input.expectedVersion !== order.version) {
          return err(orderErrors.versionMismatch(order.version));
        }
        const next = transitionOrder(order, name, clock.now(), { reason: input.reason ?? undefined });
        if (!next.ok) return next;
        await tx.orders.updateOne(next.value);
        await tx.outbox.append([orderEvent(TRANSITION_EVENTS[name], next.value, order, newId())]);
        return next;
      });
    } catch (error) {
      if (error instanceof ConcurrentUpdateError) {
        return err(orderErrors.changedConcurrently());
      }
      throw error;
    }
  }

  /** Returns the order an idempotency key placed, or why the key cannot be reused. */
  async function replay(tx: Repositories, userId: string, key: string, requestHash: string): Promise<Result<Order> | null> {
    const record = await tx.orders.getIdempotencyRecord(userId, key);
    if (!record) return null;
    if (record.requestHash !== requestHash) {
      return err(orderErrors.idempotencyKeyReused());
    }
    const order = await tx.orders.getOne(record.orderId);
    if (!order) throw new Error(`idempotency key ${key} points at missing order ${record.orderId}`);
    return ok(order);
  }

  async function placeOrder(input: PlaceOrderInput): Promise<Result<Order>> {
    requireSignedIn(viewer, "place orders");
    if (!canSeeOrdersOf(viewer, input.userId)) return err(userErrors.notFound(["userId"]));
    const request = parseOrderRequest(input);
    const key = input.idempotencyKey?.trim() || null;
    const keyErrors =
      input.idempotencyKey != null && (key === null || key.length > IDEMPOTENCY_KEY_MAX_LENGTH)
        ? [orderErrors.idempotencyKeyLength(IDEMPOTENCY_KEY_MAX_LENGTH)]
        : [];
    if (!request.ok || keyErrors.length > 0) return err(...(request.ok ? [] : request.errors), ...keyErrors);
    const requestHash = fingerprint(request.value);
    try {
      return await unitOfWork.run(async (tx) => {
        const user = await tx.users.getOneForShare(input.userId);
        if (!user) return err(userErrors.notFound(["userId"]));
        const replayed = key === null ? null : await replay(tx, user.id, key, requestHash);
        if (replayed) return replayed;
        if (user.status === UserStatus.DEACTIVATED) {
          return err(userErrors.cannotOrderDeactivated());
        }
        const { order, items } = newOrder({ id: newId(), userId: user.id, request: request.value, now: clock.now() });
        await tx.orders.createOne(order, items);
        await tx.outbox.append([orderEvent("order.placed", order, null, newId())]);
        if (key !== null) await tx.orders.createIdempotencyRecord({ userId: user.id, key, requestHash, orderId: order.id });
        return ok(order);
      });
    } catch (error) {
      if (error instanceof MissingReferenceError) {
        return err(userErrors.notFound(["userId"]));
      }
      if (error instanceof UniquenessViolationError && error.rule === "order.idempotencyKey" && key !== null) {
        // A concurrent request with the same key committed first: answer as its retry would.
        const replayed = await unitOfWork.run((tx) => replay(tx, input.userId, key, requestHash));
        if (replayed) return replayed;
      }
      throw error;
    }
  }

  return {
    async getOne(id: string) {
      requireSignedIn(viewer, "read orders");
      return visible(await orders.getOne(id));
    },
    /** One entry per id, in order: null for a missing order or one the viewer may not see. */
    async getMany(ids: readonly string[]) {
      requireSignedIn(viewer, "read orders");
      return (await orders.getMany(ids)).map(visible);
    },
    /**
     * One page of orders per user, in order (`User.orders` for a whole parent page at once): a
     * user whose orders the viewer may not see gets an empty page, without a query.
     */
    async getPagesByUserIds(userIds: readonly string[], query: UserOrdersQuery, options: { withTotalCount: boolean }) {
      const visibleIds = userIds.filter((userId) => canSeeOrdersOf(viewer, userId));
      const pages = new Map<string, Page<Order> & { totalCount?: number }>();
      if (visibleIds.length > 0) {
        const found = await orders.getPagesByUserIds(visibleIds, query, options);
        visibleIds.forEach((userId, index) => pages.set(userId, found[index]!));
      }
      const empty = { edges: [], hasNextPage: false, hasPreviousPage: false, ...(options.withTotalCount ? { totalCount: 0 } : {}) };
      return userIds.map((userId) => pages.get(userId) ?? empty);
    },
    /** The items of orders the viewer was already given, one list per order id, in order. */
    getItemsByOrderIds: (orderIds: readonly string[]) => orders.getItemsByOrderIds(orderIds),
    /** With `withUsers`, also the users who placed them (those the viewer may see), from the same read. */
    async getPage(query: OrderPageQuery, options: { withUsers?: boolean } = {}): Promise<Page<Order> & { users?: readonly User[] }> {
      const filter = scoped(query.filter);
      if (!filter) return { edges: [], hasNextPage: false, hasPreviousPage: false, ...(options.withUsers ? { users: [] } : {}) };
      const page = await orders.getPage({ ...query, filter }, options);
      return page.users ? { ...page, users: page.users.filter((user) => canSeeUser(viewer, user.id)) } : page;
    },
    async count(filter: OrderFilter) {
      const narrowed = scoped(filter);
      return narrowed ? orders.count(narrowed) : 0;
    },
    placeOrder,
    confirmOrder: (input: OrderTransitionInput) => transition(input, "confirm"),
    shipOrder: (input: OrderTransitionInput) => transition(input, "ship"),
    deliverOrder: (input: OrderTransitionInput) => transition(input, "deliver"),
    cancelOrder: (input: CancelOrderInput) => transition(input, "cancel"),
  };
}

/** Same request, same fingerprint: the normalized currency and items, in order. */
function fingerprint(request: OrderRequest): string {
  const canonical = JSON.stringify([request.currency, request.items.map((i) => [i.sku, i.name, i.quantity, i.unitPriceCents])]);
  return createHash("sha256").update(canonical).digest("hex");
}
