import type { OrderService } from "../domain/orders/order-service.ts";
import type { Order, OrderItem } from "../domain/orders/order.ts";
import type { UserOrdersQuery } from "../domain/orders/order-repository.ts";
import type { Page } from "../domain/shared/pagination.ts";
import type { UserService } from "../domain/users/user-service.ts";
import type { User } from "../domain/users/user.ts";
import { createByIdLoader, createGroupedLoader } from "./batch.ts";

/**
 * Per-request DataLoaders over the request's services: every object a request touches at one
 * level of the query is loaded in one statement, and each is loaded once per request. The
 * services decide what the viewer may see (objects they may not see load as null, like missing
 * ones); loaders only batch and cache. Built fresh for every request and every subscription
 * event, so nothing is cached across them.
 */
export function createLoaders(services: { readonly users: UserService; readonly orders: OrderService }) {
  const userById = createByIdLoader<User | null>((ids) => services.users.getMany(ids));
  const orderById = createByIdLoader<Order | null>((ids) => services.orders.getMany(ids));
  const itemsByOrderId = createByIdLoader<OrderItem[]>((ids) => services.orders.getItemsByOrderIds(ids));
  const ordersPageByUserId = createGroupedLoader<
    { id: string; group: string; query: UserOrdersQuery; withTotalCount: boolean },
    Page<Order> & { totalCount?: number }
  >((ids, { query, withTotalCount }) => services.orders.getPagesByUserIds(ids, query, { withTotalCount }));

  return {
    userById,
    orderById,
    itemsByOrderId,
    /**
     * `User.orders` for many users at once: one page per user, one statement per argument set;
     * with `withTotalCount`, the same statement also counts each user's matching orders.
     */
    ordersPageByUserId: {
      load: (userId: string, query: UserOrdersQuery, withTotalCount = false) =>
        ordersPageByUserId.load({ id: userId, group: `${withTotalCount}${JSON.stringify(query)}`, query, withTotalCount }),
    },
    /** Forgets everything loaded: after a unit of work commits, later fields must see its changes. */
    clearAll: () => {
      userById.clearAll();
      orderById.clearAll();
      itemsByOrderId.clearAll();
      ordersPageByUserId.clearAll();
    },
    /** Remembers objects another query already returned, so refetching them costs nothing. */
    prime: {
      users: (list: readonly User[]) => list.forEach((user) => userById.prime(user.id, user)),
      orders: (list: readonly Order[]) => list.forEach((order) => orderById.prime(order.id, order)),
    },
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
