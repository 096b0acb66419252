import { canSeeOrdersOf, canSeeUser, type Viewer } from "../domain/access/viewer.ts";
import type { Order, OrderItem } from "../domain/orders/order.ts";
import type { OrderFilter, OrderPageQuery } from "../domain/orders/order-repository.ts";
import type { Page } from "../domain/shared/pagination.ts";
import type { Repositories } from "../domain/shared/unit-of-work.ts";
import type { User } from "../domain/users/user.ts";
import { createByIdLoader, createGroupedLoader } from "./batch.ts";

export type UserOrdersQuery = Omit<OrderPageQuery, "filter"> & { readonly filter: Omit<OrderFilter, "userId"> };

/**
 * Per-request DataLoaders: every object a request touches at one level of the query is loaded
 * in one statement, and each is loaded once per request. Built fresh for every request and
 * every subscription event, so nothing is cached across them. Objects the viewer may not see
 * load as null, exactly like missing ones (and users are not even queried).
 */
export function createLoaders({ users, orders }: Repositories, viewer: Viewer) {
  const userById = createByIdLoader<User | null>(async (ids) => {
    const wanted = ids.filter((id) => canSeeUser(viewer, id));
    const found = new Map((wanted.length ? await users.getMany(wanted) : []).flatMap((user) => (user ? [[user.id, user] as const] : [])));
    return ids.map((id) => found.get(id) ?? null);
  });
  const orderById = createByIdLoader<Order | null>(async (ids) =>
    (await orders.getMany(ids)).map((order) => (order && canSeeOrdersOf(viewer, order.userId) ? order : null)),
  );
  const itemsByOrderId = createByIdLoader<OrderItem[]>((ids) => orders.getItemsByOrderIds(ids));
  const ordersPageByUserId = createGroupedLoader<
    { id: string; group: string; query: UserOrdersQuery; withTotalCount: boolean },
    Page<Order> & { totalCount?: number }
  >((ids, { query, withTotalCount }) => orders.getPagesByUserIds(ids, query, { withTotalCount }));

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
    /** Remembers objects another query already returned, so refetching them costs nothing. */
    prime: {
      users: (list: readonly User[]) => list.forEach((user) => userById.prime(user.id, user)),
      orders: (list: readonly Order[]) => list.forEach((order) => orderById.prime(order.id, order)),
    },
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
