/**
 * In-memory fakes of the repository ports, for fast unit tests of the domain. The contract
 * tests run the same suite against these and the MikroORM adapters, so they behave alike.
 */
import type { DomainEvent } from "../../src/domain/events/domain-event.ts";
import type { IdempotencyRecord, OrderFilter, OrderPageQuery, OrderRepository } from "../../src/domain/orders/order-repository.ts";
import type { Order, OrderItem } from "../../src/domain/orders/order.ts";
import { pageInMemory, type Keyset, type SortOrder } from "../../src/domain/shared/pagination.ts";
import { ConcurrentUpdateError, MissingReferenceError, UniquenessViolationError } from "../../src/domain/shared/persistence-errors.ts";
import type { Repositories, UnitOfWork } from "../../src/domain/shared/unit-of-work.ts";
import { emailKey, type User } from "../../src/domain/users/user.ts";
import type { UserFilter, UserPageQuery, UserRepository, UserSortField } from "../../src/domain/users/user-repository.ts";

interface Tables {
  users: Map<string, User>;
  orders: Map<string, Order>;
  items: Map<string, OrderItem[]>;
  idempotency: Map<string, IdempotencyRecord>;
  /** The outbox, in the order events were appended. */
  events: Map<string, DomainEvent>;
}

export function createInMemoryStore(): { repositories: Repositories; unitOfWork: UnitOfWork; tables: Tables } {
  const tables: Tables = { users: new Map(), orders: new Map(), items: new Map(), idempotency: new Map(), events: new Map() };
  const repositories: Repositories = {
    users: inMemoryUsers(tables),
    orders: inMemoryOrders(tables),
    outbox: { append: async (events) => events.forEach((event) => tables.events.set(event.id, event)) },
  };
  const unitOfWork: UnitOfWork = {
    async run(work) {
      const snapshot = copy(tables);
      try {
        return await work(repositories);
      } catch (error) {
        Object.assign(tables, restore(tables, snapshot));
        throw error;
      }
    },
  };
  return { repositories, unitOfWork, tables };
}

const copy = (tables: Tables): Tables => ({
  users: new Map(tables.users),
  orders: new Map(tables.orders),
  items: new Map(tables.items),
  idempotency: new Map(tables.idempotency),
  events: new Map(tables.events),
});

function restore(tables: Tables, snapshot: Tables): Tables {
  for (const name of Object.keys(tables) as (keyof Tables)[]) {
    const table = tables[name] as Map<string, unknown>;
    table.clear();
    for (const [key, value] of snapshot[name] as Map<string, unknown>) table.set(key, value);
  }
  return tables;
}

/** Case-insensitive and literal (no wildcards), as the SQL adapter's escaped ILIKE. */
const containsIgnoringCase = (haystack: string, needle: string): boolean => haystack.toLowerCase().includes(needle.toLowerCase());

const userKey = (field: UserSortField) => (user: User): Keyset => ({
  value: field === "NAME" ? user.name : field === "EMAIL" ? user.email : user.createdAt.toISOString(),
  id: user.id,
});

const matchesUser = (filter: UserFilter) => (user: User) =>
  (filter.search === undefined || containsIgnoringCase(user.name, filter.search) || containsIgnoringCase(user.email, filter.search)) &&
  (filter.status === undefined || user.status === filter.status) &&
  (filter.createdAfter === undefined || user.createdAt >= filter.createdAfter) &&
  (filter.createdBefore === undefined || user.createdAt < filter.createdBefore);

function inMemoryUsers(tables: Tables): UserRepository {
  const byEmail = (email: string) => [...tables.users.values()].find((u) => emailKey(u.email) === emailKey(email)) ?? null;
  return {
    getOne: async (id) => tables.users.get(id) ?? null,
    getOneForShare: async (id) => tables.users.get(id) ?? null,
    getMany: async (ids) => ids.map((id) => tables.users.get(id) ?? null),
    getOneByEmail: async (email) => byEmail(email),
    getPage: async ({ filter, sort, page }: UserPageQuery) =>
      pageInMemory([...tables.users.values()].filter(matchesUser(filter)), userKey(sort.field), sort.direction, page),
    count: async (filter) => [...tables.users.values()].filter(matchesUser(filter)).length,
    async createOne(user) {
      if (byEmail(user.email)) throw new UniquenessViolationError("user.email");
      tables.users.set(user.id, user);
    },
    async updateOne(next) {
      const stored = tables.users.get(next.id);
      if (!stored || stored.version !== next.version - 1) throw new ConcurrentUpdateError("User", next.id);
      const holder = byEmail(next.email);
      if (holder && holder.id !== next.id) throw new UniquenessViolationError("user.email");
      tables.users.set(next.id, next);
    },
  };
}

const orderKey = (sort: SortOrder<"CREATED_AT" | "TOTAL">) => (order: Order): Keyset => ({
  value: sort.field === "TOTAL" ? order.totalCents : order.createdAt.toISOString(),
  id: order.id,
});

const matchesOrder = (filter: OrderFilter) => (order: Order) =>
  (filter.userId === undefined || order.userId === filter.userId) &&
  (filter.status === undefined || filter.status.includes(order.status)) &&
  (filter.createdAfter === undefined || order.createdAt >= filter.createdAfter) &&
  (filter.createdBefore === undefined || order.createdAt < filter.createdBefore) &&
  (filter.minTotalCents === undefined || order.totalCents >= filter.minTotalCents) &&
  (filter.maxTotalCents === undefined || order.totalCents <= filter.maxTotalCents);

function inMemoryOrders(tables: Tables): OrderRepository {
  const matching = (filter: OrderFilter) => [...tables.orders.values()].filter(matchesOrder(filter));
  const getPage = async ({ filter, sort, page }: OrderPageQuery, options: { withUsers?: boolean } = {}) => {
    const found = pageInMemory(matching(filter), orderKey(sort), sort.direction, page);
    if (!options.withUsers) return found;
    const userIds = [...new Set(found.edges.map((edge) => edge.node.userId))];
    return { ...found, users: userIds.map((id) => tables.users.get(id)!) };
  };
  const idempotencyKey = (userId: string, key: string) => `${userId}\u0000${key}`;
  return {
    getOne: async (id) => tables.orders.get(id) ?? null,
    getMany: async (ids) => ids.map((id) => tables.orders.get(id) ?? null),
    getPage,
    getPagesByUserIds: (userIds, query, options = {}) =>
      Promise.all(
        userIds.map(async (userId) => {
          const page = await getPage({ ...query, filter: { ...query.filter, userId } });
          return options.withTotalCount ? { ...page, totalCount: matching({ ...query.filter, userId }).length } : page;
        }),
      ),
    count: async (filter) => matching(filter).length,
    getItemsByOrderIds: async (orderIds) => orderIds.map((id) => [...(tables.items.get(id) ?? [])]),
    async createOne(order, items) {
      if (!tables.users.has(order.userId)) throw new MissingReferenceError("user");
      tables.orders.set(order.id, order);
      tables.items.set(order.id, [...items]);
    },
    async updateOne(next) {
      const stored = tables.orders.get(next.id);
      if (!stored || stored.version !== next.version - 1) throw new ConcurrentUpdateError("Order", next.id);
      tables.orders.set(next.id, next);
    },
    getIdempotencyRecord: async (userId, key) => tables.idempotency.get(idempotencyKey(userId, key)) ?? null,
    async createIdempotencyRecord(record) {
      const id = idempotencyKey(record.userId, record.key);
      if (tables.idempotency.has(id)) throw new UniquenessViolationError("order.idempotencyKey");
      tables.idempotency.set(id, record);
    },
  };
}
