/**
 * The behaviour every implementation of the repository ports must have. Run against the
 * in-memory fakes (in-memory.test.ts) and the MikroORM adapters on PostgreSQL (mikro-orm.test.ts),
 * so the fakes the unit tests rely on cannot drift from the real thing.
 */
import fc from "fast-check";
import { beforeEach, describe, expect, it } from "vitest";
import type { Order, OrderItem } from "../../src/domain/orders/order.ts";
import type { OrderSortField } from "../../src/domain/orders/order-repository.ts";
import type { OrderStatus } from "../../src/domain/orders/order-status-machine.ts";
import { newId } from "../../src/domain/shared/ids.ts";
import type { Edge, Page, PageRequest, SortDirection } from "../../src/domain/shared/pagination.ts";
import { ConcurrentUpdateError, MissingReferenceError, UniquenessViolationError } from "../../src/domain/shared/persistence-errors.ts";
import type { Repositories, UnitOfWork } from "../../src/domain/shared/unit-of-work.ts";
import type { User } from "../../src/domain/users/user.ts";
import type { UserSortField } from "../../src/domain/users/user-repository.ts";

export interface ContractSubject {
  /** Repositories as a request would get them (for the ORM: a fresh EntityManager fork). */
  repositories(): Repositories;
  unitOfWork: UnitOfWork;
  /** Empties the store. */
  reset(): Promise<void>;
}

const at = (iso: string) => new Date(iso);

export function user(overrides: Partial<User> = {}): User {
  const now = overrides.createdAt ?? at("2025-01-01T00:00:00.000Z");
  return { id: newId(), email: `${newId()}@example.com`, name: "Someone", status: "ACTIVE", createdAt: now, updatedAt: now, version: 1, ...overrides };
}

export function order(userId: string, overrides: Partial<Order> = {}): Order {
  const now = overrides.createdAt ?? at("2025-01-01T00:00:00.000Z");
  return {
    id: newId(),
    userId,
    status: "PENDING",
    currency: "USD",
    totalCents: 100,
    cancellationReason: null,
    createdAt: now,
    updatedAt: now,
    version: 1,
    ...overrides,
  };
}

const item = (orderId: string, position: number, overrides: Partial<OrderItem> = {}): OrderItem => ({
  orderId,
  position,
  sku: `SKU-${position}`,
  name: `Item ${position}`,
  quantity: 1,
  unitPriceCents: 100,
  ...overrides,
});

/** Walks every page in one direction and returns the nodes in sort order. */
async function walk<T>(size: number, direction: PageRequest["direction"], getPage: (request: PageRequest) => Promise<Page<T>>): Promise<T[]> {
  const seen: Edge<T>[] = [];
  let request: PageRequest = { limit: size, direction };
  for (let pages = 0; pages < 1000; pages++) {
    const page = await getPage(request);
    expect(page.edges.length).toBeLessThanOrEqual(size);
    const more = direction === "forward" ? page.hasNextPage : page.hasPreviousPage;
    if (direction === "forward") seen.push(...page.edges);
    else seen.unshift(...page.edges);
    if (!more) return seen.map((edge) => edge.node);
    expect(page.edges.length).toBe(size);
    request = direction === "forward" ? { limit: size, direction, after: page.edges.at(-1)!.key } : { limit: size, direction, before: page.edges[0]!.key };
  }
  throw new Error("pagination did not terminate");
}

const codePointCompare = (a: string, b: string) => {
  const x = [...a].map((c) => c.codePointAt(0)!);
  const y = [...b].map((c) => c.codePointAt(0)!);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
};

function expectedUserOrder(users: User[], field: UserSortField, direction: SortDirection): string[] {
  const value = (u: User) => (field === "NAME" ? u.name : field === "EMAIL" ? u.email : u.createdAt.toISOString());
  const sign = direction === "ASC" ? 1 : -1;
  return [...users].sort((a, b) => sign * (codePointCompare(value(a), value(b)) || codePointCompare(a.id, b.id))).map((u) => u.id);
}

export function describeRepositoryContract(name: string, setup: () => ContractSubject) {
  describe(`${name}: repository ports`, () => {
    let subject: ContractSubject;
    const insertUsers = (users: User[]) => subject.unitOfWork.run(async (tx) => {
      for (const u of users) await tx.users.createOne(u);
    });
    const insertOrder = (o: Order, items: OrderItem[] = [item(o.id, 0)]) => subject.unitOfWork.run((tx) => tx.orders.createOne(o, items));

    beforeEach(async () => {
      subject = setup();
      await subject.reset();
    });

    describe("users", () => {
      it("stores a user and reads it back by id, by ids (in order, null for unknown) and by email in any case", async () => {
        const alice = user({ email: "Alice@Example.com", name: "Alice" });
        const bob = user({ email: "bob@example.com", name: "Bob" });
        await insertUsers([alice, bob]);
        const repos = subject.repositories();
        expect(await repos.users.getOne(alice.id)).toEqual(alice);
        const missing = newId();
        expect(await repos.users.getMany([bob.id, missing, alice.id])).toEqual([bob, null, alice]);
        expect(await repos.users.getOneByEmail("ALICE@example.COM")).toEqual(alice);
        expect(await repos.users.getOneByEmail("nobody@example.com")).toBeNull();
      });

      it("rejects a second user with the same email in another case", async () => {
        await insertUsers([user({ email: "carol@example.com" })]);
        await expect(insertUsers([user({ email: "CAROL@example.com" })])).rejects.toBeInstanceOf(UniquenessViolationError);
        expect(await subject.repositories().users.count({})).toBe(1);
      });

      it("updates a user whose version moved on by one, and refuses a stale version", async () => {
        const dave = user();
        await insertUsers([dave]);
        const renamed = { ...dave, name: "Dave", version: 2, updatedAt: at("2025-02-01T00:00:00.000Z") };
        await subject.unitOfWork.run(async (tx) => {
          await tx.users.getOne(dave.id);
          await tx.users.updateOne(renamed);
        });
        expect(await subject.repositories().users.getOne(dave.id)).toEqual(renamed);
        const stale = { ...dave, name: "Stale", version: 2 };
        await expect(subject.unitOfWork.run((tx) => tx.users.updateOne(stale))).rejects.toBeInstanceOf(ConcurrentUpdateError);
        expect((await subject.repositories().users.getOne(dave.id))?.name).toBe("Dave");
      });

      it("rolls back every write of a unit of work that fails", async () => {
        const erin = user();
        await expect(
          subject.unitOfWork.run(async (tx) => {
            await tx.users.createOne(erin);
            throw new Error("boom");
          }),
        ).rejects.toThrow("boom");
        expect(await subject.repositories().users.getOne(erin.id)).toBeNull();
      });

      it("filters by a literal, case-insensitive search on name or email, by status and by creation time", async () => {
        const users = [
          user({ name: "Percent 100%", email: "p@example.com", createdAt: at("2025-01-01T00:00:00.000Z") }),
          user({ name: "Under_score", email: "u@example.com", createdAt: at("2025-01-02T00:00:00.000Z") }),
          user({ name: "Plain", email: "MiXeD@Example.com", status: "DEACTIVATED", createdAt: at("2025-01-03T00:00:00.000Z") }),
          user({ name: "Other", email: "o@example.com", createdAt: at("2025-01-04T00:00:00.000Z") }),
        ];
        await insertUsers(users);
        const repos = subject.repositories();
        const ids = async (filter: Parameters<typeof repos.users.count>[0]) => {
          const page = await repos.users.getPage({ filter, sort: { field: "CREATED_AT", direction: "ASC" }, page: { limit: 100, direction: "forward" } });
          expect(await repos.users.count(filter)).toBe(page.edges.length);
          return page.edges.map((edge) => edge.node.name);
        };
        expect(await ids({ search: "%" })).toEqual(["Percent 100%"]);
        expect(await ids({ search: "_" })).toEqual(["Under_score"]);
        expect(await ids({ search: "mixed@" })).toEqual(["Plain"]);
        expect(await ids({ search: "PLAIN" })).toEqual(["Plain"]);
        expect(await ids({ status: "DEACTIVATED" })).toEqual(["Plain"]);
        expect(await ids({ createdAfter: at("2025-01-02T00:00:00.000Z"), createdBefore: at("2025-01-04T00:00:00.000Z") })).toEqual(["Under_score", "Plain"]);
      });

      it("pages through users in every sort order, forward and backward, each exactly once", async () => {
        const names = ["Ann", "ann", "Bob", "Émile", "Zoë", "%_x", "a b"];
        const times = ["2025-01-01T00:00:00.000Z", "2025-01-01T00:00:00.001Z", "2025-03-01T12:00:00.000Z"];
        const userArb = fc.record({ name: fc.constantFrom(...names), createdAt: fc.constantFrom(...times), local: fc.constantFrom("a", "B", "c", "Z") });
        await fc.assert(
          fc.asyncProperty(
            fc.array(userArb, { maxLength: 12 }),
            fc.constantFrom<UserSortField>("CREATED_AT", "NAME", "EMAIL"),
            fc.constantFrom<SortDirection>("ASC", "DESC"),
            fc.integer({ min: 1, max: 5 }),
            fc.constantFrom<PageRequest["direction"]>("forward", "backward"),
            async (specs, field, direction, size, walkDirection) => {
              await subject.reset();
              const users = specs.map((s, i) => user({ name: s.name, email: `${s.local}${i}@example.com`, createdAt: at(s.createdAt) }));
              await insertUsers(users);
              const repos = subject.repositories();
              const walked = await walk(size, walkDirection, (page) => repos.users.getPage({ filter: {}, sort: { field, direction }, page }));
              expect(walked.map((u) => u.id)).toEqual(expectedUserOrder(users, field, direction));
            },
          ),
          { numRuns: 25 },
        );
      });
    });

    describe("orders", () => {
      it("stores an order with its items in position order, and reads them back", async () => {
        const owner = user();
        await insertUsers([owner]);
        const placed = order(owner.id, { totalCents: 2_147_483_647 });
        const items = [item(placed.id, 0, { sku: "Z" }), item(placed.id, 1, { sku: "A" }), item(placed.id, 2, { sku: "M" })];
        await insertOrder(placed, items);
        const repos = subject.repositories();
        expect(await repos.orders.getOne(placed.id)).toEqual(placed);
        expect(await repos.orders.getMany([newId(), placed.id])).toEqual([null, placed]);
        const other = newId();
        expect(await repos.orders.getItemsByOrderIds([other, placed.id])).toEqual([[], items]);
      });

      it("refuses an order for a user that does not exist", async () => {
        await expect(insertOrder(order(newId()))).rejects.toBeInstanceOf(MissingReferenceError);
      });

      it("updates an order whose version moved on by one, and refuses a stale version", async () => {
        const owner = user();
        await insertUsers([owner]);
        const placed = order(owner.id);
        await insertOrder(placed);
        const confirmed = { ...placed, status: "CONFIRMED" as const, version: 2, updatedAt: at("2025-01-05T00:00:00.000Z") };
        await subject.unitOfWork.run(async (tx) => {
          await tx.orders.getOne(placed.id);
          await tx.orders.updateOne(confirmed);
        });
        expect(await subject.repositories().orders.getOne(placed.id)).toEqual(confirmed);
        await expect(subject.unitOfWork.run((tx) => tx.orders.updateOne({ ...placed, status: "CANCELLED", version: 2 }))).rejects.toBeInstanceOf(ConcurrentUpdateError);
      });

      it("remembers an idempotency key per user and refuses to record it twice", async () => {
        const [a, b] = [user(), user()];
        await insertUsers([a, b]);
        const placed = order(a.id);
        await insertOrder(placed);
        const record = { userId: a.id, key: "retry-1", requestHash: "h1", orderId: placed.id };
        await subject.unitOfWork.run((tx) => tx.orders.createIdempotencyRecord(record));
        expect(await subject.repositories().orders.getIdempotencyRecord(a.id, "retry-1")).toEqual(record);
        expect(await subject.repositories().orders.getIdempotencyRecord(b.id, "retry-1")).toBeNull();
        await expect(subject.unitOfWork.run((tx) => tx.orders.createIdempotencyRecord({ ...record, requestHash: "h2" }))).rejects.toBeInstanceOf(UniquenessViolationError);
      });

      it("filters orders by user, statuses, creation time and total, and counts the same set", async () => {
        const [a, b] = [user(), user()];
        await insertUsers([a, b]);
        const orders = [
          order(a.id, { status: "PENDING", totalCents: 100, createdAt: at("2025-01-01T00:00:00.000Z") }),
          order(a.id, { status: "SHIPPED", totalCents: 500, createdAt: at("2025-01-02T00:00:00.000Z") }),
          order(b.id, { status: "CANCELLED", totalCents: 900, createdAt: at("2025-01-03T00:00:00.000Z") }),
        ];
        for (const o of orders) await insertOrder(o);
        const repos = subject.repositories();
        const totals = async (filter: Parameters<typeof repos.orders.count>[0]) => {
          const page = await repos.orders.getPage({ filter, sort: { field: "TOTAL", direction: "ASC" }, page: { limit: 100, direction: "forward" } });
          expect(await repos.orders.count(filter)).toBe(page.edges.length);
          return page.edges.map((edge) => edge.node.totalCents);
        };
        expect(await totals({ userId: a.id })).toEqual([100, 500]);
        expect(await totals({ status: ["SHIPPED", "CANCELLED"] as OrderStatus[] })).toEqual([500, 900]);
        expect(await totals({ status: [] })).toEqual([]);
        expect(await totals({ minTotalCents: 500, maxTotalCents: 900 })).toEqual([500, 900]);
        expect(await totals({ createdAfter: at("2025-01-02T00:00:00.000Z"), createdBefore: at("2025-01-03T00:00:00.000Z") })).toEqual([500]);
      });

      it("reads a page with its orders' users: the same page, and each user once", async () => {
        const [a, b, c] = [user(), user(), user()];
        await insertUsers([a, b, c]);
        const orders = [a, b, a, c, b, a].map((owner, index) => order(owner.id, { totalCents: index * 10 }));
        for (const o of orders) await insertOrder(o);
        const repos = subject.repositories();
        for (const [direction, limit] of [["ASC", 3], ["DESC", 2], ["ASC", 10]] as const) {
          for (const pageDirection of ["forward", "backward"] as const) {
            const query = { filter: {}, sort: { field: "TOTAL" as const, direction }, page: { limit, direction: pageDirection } };
            const plain = await repos.orders.getPage(query);
            const joined = await repos.orders.getPage(query, { withUsers: true });
            expect(joined.edges).toEqual(plain.edges);
            expect([joined.hasNextPage, joined.hasPreviousPage]).toEqual([plain.hasNextPage, plain.hasPreviousPage]);
            const owners = [...new Set(plain.edges.map((edge) => edge.node.userId))].sort();
            expect(joined.users!.map((u) => u.id).sort()).toEqual(owners);
            for (const u of joined.users!) expect(u).toEqual([a, b, c].find((candidate) => candidate.id === u.id));
            expect(plain.users).toBeUndefined();
          }
        }
      });

      it("answers one page and one count per user, each as if asked for that user alone", async () => {
        const users = [user(), user(), user()];
        await insertUsers(users);
        const counts = [3, 0, 5];
        for (const [index, owner] of users.entries()) {
          for (let n = 0; n < counts[index]!; n++) {
            await insertOrder(order(owner.id, { totalCents: 100 * n, createdAt: at(`2025-01-0${1 + (n % 3)}T00:00:00.000Z`) }));
          }
        }
        const repos = subject.repositories();
        const ids = users.map((u) => u.id);
        const query = { filter: { minTotalCents: 100 }, sort: { field: "CREATED_AT" as OrderSortField, direction: "DESC" as SortDirection }, page: { limit: 2, direction: "forward" as const } };
        const pages = await repos.orders.getPagesByUserIds(ids, query);
        const alone = await Promise.all(ids.map((userId) => repos.orders.getPage({ ...query, filter: { ...query.filter, userId } })));
        expect(pages).toEqual(alone);
        expect(pages.map((page) => page.hasNextPage)).toEqual([false, false, true]);
        const counted = await repos.orders.getPagesByUserIds(ids, query, { withTotalCount: true });
        expect(counted.map((page) => page.totalCount)).toEqual([2, 0, 4]);
        expect(counted.map(({ totalCount: _, ...page }) => page)).toEqual(alone);
      });

      it("pages through orders by creation time and total, forward and backward, each exactly once", async () => {
        const owner = user();
        await insertUsers([owner]);
        await fc.assert(
          fc.asyncProperty(
            fc.array(fc.record({ total: fc.constantFrom(0, 5, 5, 70), day: fc.constantFrom("01", "02") }), { maxLength: 10 }),
            fc.constantFrom<OrderSortField>("CREATED_AT", "TOTAL"),
            fc.constantFrom<SortDirection>("ASC", "DESC"),
            fc.integer({ min: 1, max: 4 }),
            fc.constantFrom<PageRequest["direction"]>("forward", "backward"),
            async (specs, field, direction, size, walkDirection) => {
              await subject.reset();
              await insertUsers([owner]);
              const orders = specs.map((s) => order(owner.id, { totalCents: s.total, createdAt: at(`2025-01-${s.day}T00:00:00.000Z`) }));
              for (const o of orders) await insertOrder(o);
              const repos = subject.repositories();
              const sort = { field, direction };
              const walked = await walk(size, walkDirection, (page) => repos.orders.getPage({ filter: {}, sort, page }));
              const sign = direction === "ASC" ? 1 : -1;
              const value = (o: Order) => (field === "TOTAL" ? o.totalCents : o.createdAt.getTime());
              const expected = [...orders].sort((a, b) => sign * (value(a) - value(b) || (a.id < b.id ? -1 : 1))).map((o) => o.id);
              expect(walked.map((o) => o.id)).toEqual(expected);
            },
          ),
          { numRuns: 20 },
        );
      });
    });
  });
}
