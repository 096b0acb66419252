import type { Viewer } from "../../src/domain/access/viewer.ts";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createOrderService, type PlaceOrderInput } from "../../src/domain/orders/order-service.ts";
import type { OrderTransition } from "../../src/domain/orders/order-status-machine.ts";
import { UniquenessViolationError } from "../../src/domain/shared/persistence-errors.ts";
import type { UnitOfWork } from "../../src/domain/shared/unit-of-work.ts";
import type { Order } from "../../src/domain/orders/order.ts";
import { createUserService } from "../../src/domain/users/user-service.ts";
import { createInMemoryStore } from "../support/in-memory-store.ts";
import { alteredUnitOfWork, codesAndFields, errorsOf, item, sequentialIds, SPECIFIED_TRANSITIONS, steppingClock, valueOf } from "./helpers.ts";

function setup(options: { unitOfWork?: (inner: UnitOfWork) => UnitOfWork } = {}) {
  const store = createInMemoryStore();
  const clock = steppingClock();
  const newId = sequentialIds();
  const users = createUserService({ users: store.repositories.users, unitOfWork: store.unitOfWork, clock, newId, viewer: ADMIN });
  const unitOfWork = options.unitOfWork ? options.unitOfWork(store.unitOfWork) : store.unitOfWork;
  const orders = createOrderService({ orders: store.repositories.orders, unitOfWork, clock, newId, viewer: ADMIN });
  const createUser = async (email = "ada@example.com") => valueOf(await users.createOne({ email, name: "Someone" }));
  return { store, clock, users, orders, createUser };
}

const request = (userId: string, overrides: Partial<PlaceOrderInput> = {}): PlaceOrderInput => ({
  userId,
  currency: "USD",
  items: [item({ sku: "A", quantity: 2, unitPriceCents: 150 }), item({ sku: "B", quantity: 1, unitPriceCents: 99 })],
  ...overrides,
});

const UNKNOWN_ID = "00000000-0000-7000-8000-999999999999";

describe("placeOrder", () => {
  it("stores a pending order at version 1 with its total, normalized currency and items in the order given", async () => {
    const { store, clock, orders, createUser } = setup();
    const ada = await createUser();
    const order = valueOf(
      await orders.placeOrder(request(ada.id, { currency: " eur ", items: [item({ sku: " Z ", quantity: 3, unitPriceCents: 10 }), item({ sku: "A", quantity: 1, unitPriceCents: 5 })] })),
    );
    expect(order).toEqual({
      id: expect.any(String),
      userId: ada.id,
      status: "PENDING",
      currency: "EUR",
      totalCents: 35,
      cancellationReason: null,
      createdAt: clock.readings.at(-1),
      updatedAt: clock.readings.at(-1),
      version: 1,
    });
    expect(store.tables.orders.get(order.id)).toEqual(order);
    expect((await store.repositories.orders.getItemsByOrderIds([order.id]))[0]).toEqual([
      { orderId: order.id, position: 0, sku: "Z", name: "Widget", quantity: 3, unitPriceCents: 10 },
      { orderId: order.id, position: 1, sku: "A", name: "Widget", quantity: 1, unitPriceCents: 5 },
    ]);
  });

  it("places a new order on every call without an idempotency key", async () => {
    const { store, orders, createUser } = setup();
    const ada = await createUser();
    const first = valueOf(await orders.placeOrder(request(ada.id)));
    const second = valueOf(await orders.placeOrder(request(ada.id)));
    expect(second.id).not.toBe(first.id);
    expect(store.tables.orders.size).toBe(2);
  });

  it("reports every validation problem at once with paths relative to the input, and stores nothing", async () => {
    const { store, orders, createUser } = setup();
    const ada = await createUser();
    const errors = errorsOf(await orders.placeOrder(request(ada.id, { currency: "XYZ", items: [item(), item({ quantity: 0, unitPriceCents: 100_000_001 })] })));
    expect(codesAndFields(errors)).toEqual([
      { code: "VALIDATION_FAILED", field: ["currency"] },
      { code: "VALIDATION_FAILED", field: ["items", "1", "quantity"] },
      { code: "VALIDATION_FAILED", field: ["items", "1", "unitPriceCents"] },
    ]);
    expect(store.tables.orders.size).toBe(0);
  });

  it("reports an invalid idempotency key together with the other validation problems", async () => {
    const { orders, createUser } = setup();
    const ada = await createUser();
    const errors = errorsOf(await orders.placeOrder(request(ada.id, { currency: "XYZ", idempotencyKey: "   " })));
    expect(codesAndFields(errors)).toEqual(
      expect.arrayContaining([
        { code: "VALIDATION_FAILED", field: ["currency"] },
        { code: "VALIDATION_FAILED", field: ["idempotencyKey"] },
      ]),
    );
  });

  it("reports NOT_FOUND for an unknown user", async () => {
    const { store, orders } = setup();
    expect(codesAndFields(errorsOf(await orders.placeOrder(request(UNKNOWN_ID))))).toEqual([{ code: "NOT_FOUND", field: ["userId"] }]);
    expect(store.tables.orders.size).toBe(0);
  });

  it("refuses orders from a deactivated user with USER_DEACTIVATED", async () => {
    const { store, users, orders, createUser } = setup();
    const ada = await createUser();
    valueOf(await users.deactivateOne({ id: ada.id }));
    expect(codesAndFields(errorsOf(await orders.placeOrder(request(ada.id, { idempotencyKey: "k1" }))))).toEqual([
      { code: "USER_DEACTIVATED", field: ["userId"] },
    ]);
    expect(store.tables.orders.size).toBe(0);
    expect(store.tables.idempotency.size).toBe(0);
  });

  it("lets an unexpected storage failure through and rolls back the order it had written", async () => {
    const { store, orders, createUser } = setup({
      unitOfWork: (inner) =>
        alteredUnitOfWork(inner, (repositories) => ({
          ...repositories,
          orders: {
            ...repositories.orders,
            createIdempotencyRecord: async () => {
              throw new Error("disk full");
            },
          },
        })),
    });
    const ada = await createUser();
    await expect(orders.placeOrder(request(ada.id, { idempotencyKey: "k1" }))).rejects.toThrow("disk full");
    expect(store.tables.orders.size).toBe(0);
    expect(store.tables.items.size).toBe(0);
    expect(store.tables.idempotency.size).toBe(0);
  });
});

describe("placeOrder with an idempotency key", () => {
  it("returns the first order on a retry with the same input, without storing a second one", async () => {
    const { store, orders, createUser } = setup();
    const ada = await createUser();
    const first = valueOf(await orders.placeOrder(request(ada.id, { idempotencyKey: "checkout-1" })));
    const retry = valueOf(await orders.placeOrder(request(ada.id, { idempotencyKey: "checkout-1" })));
    expect(retry).toEqual(first);
    expect(store.tables.orders.size).toBe(1);
    expect(store.tables.items.size).toBe(1);
    expect(store.tables.idempotency.size).toBe(1);
  });

  it("treats a retry that differs only in whitespace and currency case as the same request", async () => {
    const { store, orders, createUser } = setup();
    const ada = await createUser();
    const first = valueOf(await orders.placeOrder(request(ada.id, { idempotencyKey: "checkout-1" })));
    const retry = valueOf(
      await orders.placeOrder({
        userId: ada.id,
        currency: " usd",
        items: [item({ sku: " A ", quantity: 2, unitPriceCents: 150 }), item({ sku: "B", name: " Widget ", quantity: 1, unitPriceCents: 99 })],
        idempotencyKey: " checkout-1 ",
      }),
    );
    expect(retry.id).toBe(first.id);
    expect(store.tables.orders.size).toBe(1);
  });

  it.each([
    ["another currency", { currency: "EUR" }],
    ["another quantity", { items: [item({ sku: "A", quantity: 3, unitPriceCents: 150 }), item({ sku: "B", quantity: 1, unitPriceCents: 99 })] }],
    ["the same items in another order", { items: [item({ sku: "B", quantity: 1, unitPriceCents: 99 }), item({ sku: "A", quantity: 2, unitPriceCents: 150 })] }],
    ["fewer items", { items: [item({ sku: "A", quantity: 2, unitPriceCents: 150 })] }],
  ])("refuses the key with IDEMPOTENCY_KEY_REUSED when the retry has %s", async (_, change) => {
    const { store, orders, createUser } = setup();
    const ada = await createUser();
    valueOf(await orders.placeOrder(request(ada.id, { idempotencyKey: "checkout-1" })));
    const errors = errorsOf(await orders.placeOrder(request(ada.id, { idempotencyKey: "checkout-1", ...change })));
    expect(codesAndFields(errors)).toEqual([{ code: "IDEMPOTENCY_KEY_REUSED", field: ["idempotencyKey"] }]);
    expect(store.tables.orders.size).toBe(1);
  });

  it("scopes keys per user: another user's order with the same key is independent", async () => {
    const { store, orders, createUser } = setup();
    const ada = await createUser("ada@example.com");
    const grace = await createUser("grace@example.com");
    const adas = valueOf(await orders.placeOrder(request(ada.id, { idempotencyKey: "checkout-1" })));
    const graces = valueOf(await orders.placeOrder(request(grace.id, { idempotencyKey: "checkout-1", currency: "GBP" })));
    expect(graces.id).not.toBe(adas.id);
    expect(graces).toMatchObject({ userId: grace.id, currency: "GBP" });
    expect(store.tables.orders.size).toBe(2);
    expect(valueOf(await orders.placeOrder(request(ada.id, { idempotencyKey: "checkout-1" }))).id).toBe(adas.id);
  });

  it("still answers a retry after the user has been deactivated", async () => {
    const { store, users, orders, createUser } = setup();
    const ada = await createUser();
    const first = valueOf(await orders.placeOrder(request(ada.id, { idempotencyKey: "checkout-1" })));
    valueOf(await users.deactivateOne({ id: ada.id }));
    expect(valueOf(await orders.placeOrder(request(ada.id, { idempotencyKey: "checkout-1" }))).id).toBe(first.id);
    expect(store.tables.orders.size).toBe(1);
    expect(errorsOf(await orders.placeOrder(request(ada.id, { idempotencyKey: "checkout-2" })))[0]?.code).toBe("USER_DEACTIVATED");
  });

  it("still answers a retry after the order has moved on", async () => {
    const { orders, createUser } = setup();
    const ada = await createUser();
    const first = valueOf(await orders.placeOrder(request(ada.id, { idempotencyKey: "checkout-1" })));
    valueOf(await orders.confirmOrder({ id: first.id }));
    const retry = valueOf(await orders.placeOrder(request(ada.id, { idempotencyKey: "checkout-1" })));
    expect(retry).toMatchObject({ id: first.id, status: "CONFIRMED" });
  });

  it("answers as a retry when a concurrent request with the same key committed first", async () => {
    let raceOnce = false;
    const { store, orders, createUser } = setup({
      unitOfWork: (inner) =>
        alteredUnitOfWork(inner, (repositories) => ({
          ...repositories,
          orders: {
            ...repositories.orders,
            // The other request's record is not visible yet when this one checks for it.
            getIdempotencyRecord: async (userId, key) => {
              if (raceOnce) {
                raceOnce = false;
                return null;
              }
              return repositories.orders.getIdempotencyRecord(userId, key);
            },
          },
        })),
    });
    const ada = await createUser();
    const first = valueOf(await orders.placeOrder(request(ada.id, { idempotencyKey: "checkout-1" })));
    raceOnce = true;
    const racing = valueOf(await orders.placeOrder(request(ada.id, { idempotencyKey: "checkout-1" })));
    expect(racing.id).toBe(first.id);
    expect(store.tables.orders.size).toBe(1);
    expect(store.tables.items.size).toBe(1);
  });

  it("lets the uniqueness failure through when the racing key's record cannot be found", async () => {
    const { store, orders, createUser } = setup({
      unitOfWork: (inner) =>
        alteredUnitOfWork(inner, (repositories) => ({
          ...repositories,
          orders: {
            ...repositories.orders,
            createIdempotencyRecord: async () => {
              throw new UniquenessViolationError("order.idempotencyKey");
            },
          },
        })),
    });
    const ada = await createUser();
    await expect(orders.placeOrder(request(ada.id, { idempotencyKey: "checkout-1" }))).rejects.toThrow(UniquenessViolationError);
    expect(store.tables.orders.size).toBe(0);
  });

  it("refuses a blank key or one over 200 characters, and accepts exactly 200", async () => {
    const { orders, createUser } = setup();
    const ada = await createUser();
    for (const idempotencyKey of ["", "   ", "k".repeat(201)]) {
      expect(codesAndFields(errorsOf(await orders.placeOrder(request(ada.id, { idempotencyKey }))))).toEqual([
        { code: "VALIDATION_FAILED", field: ["idempotencyKey"] },
      ]);
    }
    expect(valueOf(await orders.placeOrder(request(ada.id, { idempotencyKey: "k".repeat(200) }))).status).toBe("PENDING");
  });
});

describe("order transitions", () => {
  async function withOrder() {
    const context = setup();
    const ada = await context.createUser();
    const order = valueOf(await context.orders.placeOrder(request(ada.id)));
    return { ...context, order };
  }

  it("confirms, ships and delivers, each time storing one more version and the time of the change", async () => {
    const { store, clock, orders, order } = await withOrder();
    const confirmed = valueOf(await orders.confirmOrder({ id: order.id }));
    expect(confirmed).toEqual({ ...order, status: "CONFIRMED", version: 2, updatedAt: clock.readings.at(-1) });
    const shipped = valueOf(await orders.shipOrder({ id: order.id, expectedVersion: 2 }));
    expect(shipped).toMatchObject({ status: "SHIPPED", version: 3 });
    const delivered = valueOf(await orders.deliverOrder({ id: order.id, expectedVersion: 3 }));
    expect(delivered).toMatchObject({ status: "DELIVERED", version: 4, createdAt: order.createdAt });
    expect(store.tables.orders.get(order.id)).toEqual(delivered);
  });

  it("cancels with the reason trimmed", async () => {
    const { store, orders, order } = await withOrder();
    const cancelled = valueOf(await orders.cancelOrder({ id: order.id, reason: "  found it cheaper  " }));
    expect(cancelled).toMatchObject({ status: "CANCELLED", cancellationReason: "found it cheaper", version: 2 });
    expect(store.tables.orders.get(order.id)).toEqual(cancelled);
  });

  it("cancels a confirmed order without a reason", async () => {
    const { orders, order } = await withOrder();
    valueOf(await orders.confirmOrder({ id: order.id }));
    expect(valueOf(await orders.cancelOrder({ id: order.id, reason: null }))).toMatchObject({ status: "CANCELLED", cancellationReason: null, version: 3 });
  });

  it("refuses a reason over 500 characters and keeps the order as it was", async () => {
    const { store, orders, order } = await withOrder();
    expect(codesAndFields(errorsOf(await orders.cancelOrder({ id: order.id, reason: "r".repeat(501) })))).toEqual([
      { code: "VALIDATION_FAILED", field: ["reason"] },
    ]);
    expect(store.tables.orders.get(order.id)).toEqual(order);
  });

  it("reports INVALID_TRANSITION and keeps the order as it was", async () => {
    const { store, orders, order } = await withOrder();
    expect(errorsOf(await orders.shipOrder({ id: order.id }))[0]?.code).toBe("INVALID_TRANSITION");
    expect(errorsOf(await orders.deliverOrder({ id: order.id }))[0]?.code).toBe("INVALID_TRANSITION");
    valueOf(await orders.cancelOrder({ id: order.id }));
    expect(errorsOf(await orders.confirmOrder({ id: order.id }))[0]?.code).toBe("INVALID_TRANSITION");
    expect(store.tables.orders.get(order.id)).toMatchObject({ status: "CANCELLED", version: 2 });
  });

  it("reports NOT_FOUND for an unknown order", async () => {
    const { orders } = await withOrder();
    expect(codesAndFields(errorsOf(await orders.confirmOrder({ id: UNKNOWN_ID })))).toEqual([{ code: "NOT_FOUND", field: ["id"] }]);
  });

  it("reports VERSION_CONFLICT when expectedVersion is not the stored version, and keeps the order as it was", async () => {
    const { store, orders, order } = await withOrder();
    const errors = errorsOf(await orders.confirmOrder({ id: order.id, expectedVersion: 2 }));
    expect(codesAndFields(errors)).toEqual([{ code: "VERSION_CONFLICT", field: ["expectedVersion"] }]);
    expect(errors[0]?.message).toContain("version 1");
    expect(store.tables.orders.get(order.id)).toEqual(order);
  });

  it("reports VERSION_CONFLICT when another writer moved the order between read and write", async () => {
    let stale: Order | undefined;
    const { store, orders, createUser } = setup({
      unitOfWork: (inner) =>
        alteredUnitOfWork(inner, (repositories) => ({
          ...repositories,
          orders: { ...repositories.orders, getOne: async (id) => stale ?? repositories.orders.getOne(id) },
        })),
    });
    const ada = await createUser();
    const order = valueOf(await orders.placeOrder(request(ada.id)));
    stale = order;
    store.tables.orders.set(order.id, { ...order, status: "CANCELLED", version: 2 });
    expect(codesAndFields(errorsOf(await orders.confirmOrder({ id: order.id })))).toEqual([{ code: "VERSION_CONFLICT", field: ["expectedVersion"] }]);
    expect(store.tables.orders.get(order.id)).toMatchObject({ status: "CANCELLED", version: 2 });
  });
});

describe("order transitions, for any sequence of requests", () => {
  const ALLOWED = SPECIFIED_TRANSITIONS;
  const step = fc.record({
    transition: fc.constantFrom<OrderTransition>("confirm", "ship", "deliver", "cancel"),
    expectedVersion: fc.constantFrom("current", "stale", "none"),
  });

  it("stores only allowed moves, one version per success and none per failure", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 12 }), async (steps) => {
        const { store, orders, createUser } = setup();
        const ada = await createUser();
        const placed = valueOf(await orders.placeOrder(request(ada.id)));
        const call = { confirm: orders.confirmOrder, ship: orders.shipOrder, deliver: orders.deliverOrder, cancel: orders.cancelOrder };
        for (const { transition, expectedVersion } of steps) {
          const before = store.tables.orders.get(placed.id) as Order;
          const version = expectedVersion === "current" ? before.version : expectedVersion === "stale" ? before.version - 1 : null;
          const result = await call[transition]({ id: placed.id, expectedVersion: version });
          const after = store.tables.orders.get(placed.id) as Order;
          const next = ALLOWED[before.status][transition];
          if (expectedVersion === "stale") {
            expect(errorsOf(result)[0]?.code).toBe("VERSION_CONFLICT");
            expect(after).toEqual(before);
          } else if (next === undefined) {
            expect(errorsOf(result)[0]?.code).toBe("INVALID_TRANSITION");
            expect(after).toEqual(before);
          } else {
            expect(valueOf(result)).toEqual(after);
            expect(after).toMatchObject({ status: next, version: before.version + 1 });
          }
        }
      }),
      { numRuns: 60 },
    );
  });
});

/** The rules are tested from an administrator's side here; access rules have their own tests. */
const ADMIN: Viewer = { kind: "admin", userId: null };
