import type { Page, PageRequest, SortOrder } from "../shared/pagination.ts";
import type { User } from "../users/user.ts";
import type { Order, OrderItem } from "./order.ts";
import type { OrderStatus } from "./order-status-machine.ts";

export type OrderSortField = "CREATED_AT" | "TOTAL";

export interface OrderFilter {
  readonly userId?: string;
  /** Any of these statuses; an empty list matches nothing. */
  readonly status?: readonly OrderStatus[];
  /** Inclusive. */
  readonly createdAfter?: Date;
  /** Exclusive. */
  readonly createdBefore?: Date;
  /** Inclusive. */
  readonly minTotalCents?: number;
  /** Inclusive. */
  readonly maxTotalCents?: number;
}

export interface OrderPageQuery {
  readonly filter: OrderFilter;
  readonly sort: SortOrder<OrderSortField>;
  readonly page: PageRequest;
}

/** An idempotency key as stored: which order it placed, for which request. */
export interface IdempotencyRecord {
  readonly userId: string;
  readonly key: string;
  /** Fingerprint of the normalized request; a retry must match it. */
  readonly requestHash: string;
  readonly orderId: string;
}

/** `User.orders`: a page query whose filter never names the user (each page is one user's). */
export type UserOrdersQuery = Omit<OrderPageQuery, "filter"> & { readonly filter: Omit<OrderFilter, "userId"> };

/** The orders store, as the order service uses it. */
export interface OrderRepository {
  getOne(id: string): Promise<Order | null>;
  /** One entry per id, in the same order; `null` where no order has that id. */
  getMany(ids: readonly string[]): Promise<(Order | null)[]>;
  /** With `withUsers`, also the users who placed the page's orders, read in the same statement. */
  getPage(query: OrderPageQuery, options?: { withUsers?: boolean }): Promise<Page<Order> & { users?: readonly User[] }>;
  /**
   * One page per user, all with the same filter, sort and page request, in one round trip:
   * what `User.orders` needs for every user of a parent page; with `withTotalCount`, each page
   * also carries how many orders match the filter, in the same statement.
   */
  getPagesByUserIds(
    userIds: readonly string[],
    query: UserOrdersQuery,
    options?: { withTotalCount?: boolean },
  ): Promise<(Page<Order> & { totalCount?: number })[]>;
  count(filter: OrderFilter): Promise<number>;
  /** The items of each order, in the order of `orderIds`, each list by position. */
  getItemsByOrderIds(orderIds: readonly string[]): Promise<OrderItem[][]>;
  /** Throws `MissingReferenceError("user")` when the user does not exist. */
  createOne(order: Order, items: readonly OrderItem[]): Promise<void>;
  /** Like `UserRepository.updateOne`: throws `ConcurrentUpdateError` when the version moved on. */
  updateOne(next: Order): Promise<void>;
  getIdempotencyRecord(userId: string, key: string): Promise<IdempotencyRecord | null>;
  /** Throws `UniquenessViolationError("order.idempotencyKey")` when the user already used the key. */
  createIdempotencyRecord(record: IdempotencyRecord): Promise<void>;
}
