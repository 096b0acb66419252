import { describe, expect, it } from "vitest";
import { graphql } from "../generated/index.ts";
import { useTestApi } from "../support/test-api.ts";

const CreateUser = graphql(`
  mutation CreateOrderingUser($input: CreateUserInput!) {
    createUser(input: $input) { user { id } errors { code } }
  }
`);

const PlaceOrder = graphql(`
  mutation PlaceOrder($input: PlaceOrderInput!) {
    placeOrder(input: $input) {
      order {
        id status currency version
        total { cents currency amount }
        items { sku name quantity unitPrice { cents amount } subtotal { cents amount currency } }
        user { id }
      }
      errors { code message field }
    }
  }
`);

const ConfirmOrder = graphql(`
  mutation ConfirmOrder($input: OrderTransitionInput!) {
    confirmOrder(input: $input) { order { id status version } errors { code message field } }
  }
`);

const ShipOrder = graphql(`
  mutation ShipOrder($input: OrderTransitionInput!) {
    shipOrder(input: $input) { order { id status version } errors { code message field } }
  }
`);

const DeliverOrder = graphql(`
  mutation DeliverOrder($input: OrderTransitionInput!) {
    deliverOrder(input: $input) { order { id status version } errors { code message field } }
  }
`);

const CancelOrder = graphql(`
  mutation CancelOrder($input: CancelOrderInput!) {
    cancelOrder(input: $input) { order { id status version cancellationReason } errors { code message field } }
  }
`);

const DeactivateOrderingUser = graphql(`
  mutation DeactivateOrderingUser($input: DeactivateUserInput!) {
    deactivateUser(input: $input) { user { status } errors { code } }
  }
`);

const GetOrder = graphql(`
  query GetOrder($id: ID!) {
    order(id: $id) { id status version user { id } items { sku } }
  }
`);

const CountOrders = graphql(`
  query CountOrders { orders { totalCount } }
`);

const subject = useTestApi({ truncateBetweenTests: true });

let emails = 0;
async function newUser() {
  const { data } = await subject.api.execute(CreateUser, { input: { email: `buyer${++emails}@example.com`, name: "Buyer" } });
  return data!.createUser.user!.id;
}

const items = [
  { sku: "TEA-1", name: "Green tea", quantity: 3, unitPriceCents: 450 },
  { sku: "CUP-2", name: "Cup", quantity: 1, unitPriceCents: 1299 },
];

async function placeOrder(userId: string, extra: { idempotencyKey?: string } = {}) {
  const { data } = await subject.api.execute(PlaceOrder, { input: { userId, currency: "EUR", items, ...extra } });
  const order = data?.placeOrder.order;
  if (!order) throw new Error(`placeOrder failed: ${JSON.stringify(data?.placeOrder.errors)}`);
  return order;
}

describe("placeOrder", () => {
  it("places a PENDING order with its items in the given order, subtotals and the total", async () => {
    const userId = await newUser();
    const { data } = await subject.api.execute(PlaceOrder, { input: { userId, currency: " eur ", items } });
    expect(data?.placeOrder.errors).toEqual([]);
    expect(data?.placeOrder.order).toMatchObject({
      status: "PENDING",
      currency: "EUR",
      version: 1,
      total: { cents: 2649, currency: "EUR", amount: "26.49" },
      user: { id: userId },
      items: [
        { sku: "TEA-1", name: "Green tea", quantity: 3, unitPrice: { cents: 450, amount: "4.50" }, subtotal: { cents: 1350, amount: "13.50", currency: "EUR" } },
        { sku: "CUP-2", name: "Cup", quantity: 1, unitPrice: { cents: 1299, amount: "12.99" }, subtotal: { cents: 1299, amount: "12.99", currency: "EUR" } },
      ],
    });
  });

  it("reports every invalid item field with its path and places nothing", async () => {
    const userId = await newUser();
    const { data } = await subject.api.execute(PlaceOrder, {
      input: {
        userId,
        currency: "XYZ",
        items: [
          { sku: "", name: "ok", quantity: 0, unitPriceCents: 1 },
          { sku: "ok", name: "ok", quantity: 1, unitPriceCents: 100_000_001 },
        ],
      },
    });
    expect(data?.placeOrder.order).toBeNull();
    expect(data?.placeOrder.errors.map((e) => [e.code, e.field])).toEqual([
      ["VALIDATION_FAILED", ["input", "currency"]],
      ["VALIDATION_FAILED", ["input", "items", "0", "sku"]],
      ["VALIDATION_FAILED", ["input", "items", "0", "quantity"]],
      ["VALIDATION_FAILED", ["input", "items", "1", "unitPriceCents"]],
    ]);
    expect((await subject.api.execute(CountOrders)).data?.orders.totalCount).toBe(0);
  });

  it("rejects an order with no items, more than 100 items, or a total above 2^31-1 cents", async () => {
    const userId = await newUser();
    const place = (list: typeof items) => subject.api.execute(PlaceOrder, { input: { userId, currency: "USD", items: list } });
    const item = { sku: "S", name: "N", quantity: 1, unitPriceCents: 1 };
    expect((await place([])).data?.placeOrder.errors).toEqual([expect.objectContaining({ code: "VALIDATION_FAILED", field: ["input", "items"] })]);
    expect((await place(Array.from({ length: 101 }, () => item))).data?.placeOrder.errors).toEqual([expect.objectContaining({ field: ["input", "items"] })]);
    const tooMuch = [{ ...item, quantity: 10_000, unitPriceCents: 100_000_000 }];
    expect((await place(tooMuch)).data?.placeOrder.errors).toEqual([expect.objectContaining({ code: "VALIDATION_FAILED", field: ["input", "items"] })]);
    const exactlyMax = [
      { ...item, quantity: 21, unitPriceCents: 100_000_000 },
      { ...item, quantity: 1, unitPriceCents: 47_483_647 },
    ];
    expect((await place(exactlyMax)).data?.placeOrder.order?.total.cents).toBe(2_147_483_647);
  });

  it("fails with NOT_FOUND for an unknown user and USER_DEACTIVATED for a deactivated one", async () => {
    const missing = Buffer.from("User:01900000-0000-7000-8000-000000000000").toString("base64url");
    expect((await subject.api.execute(PlaceOrder, { input: { userId: missing, currency: "USD", items } })).data?.placeOrder.errors).toEqual([
      expect.objectContaining({ code: "NOT_FOUND", field: ["input", "userId"] }),
    ]);
    const userId = await newUser();
    await subject.api.execute(DeactivateOrderingUser, { input: { id: userId } });
    expect((await subject.api.execute(PlaceOrder, { input: { userId, currency: "USD", items } })).data?.placeOrder.errors).toEqual([
      expect.objectContaining({ code: "USER_DEACTIVATED", field: ["input", "userId"] }),
    ]);
  });

  it("returns the first order for a retry with the same idempotency key and input, without a second row", async () => {
    const userId = await newUser();
    const first = await placeOrder(userId, { idempotencyKey: "checkout-42" });
    const retry = await placeOrder(userId, { idempotencyKey: "checkout-42" });
    expect(retry.id).toBe(first.id);
    expect((await subject.api.execute(CountOrders)).data?.orders.totalCount).toBe(1);
  });

  it("fails with IDEMPOTENCY_KEY_REUSED for the same key with a different input; keys are per user", async () => {
    const userId = await newUser();
    await placeOrder(userId, { idempotencyKey: "k" });
    const { data } = await subject.api.execute(PlaceOrder, { input: { userId, currency: "EUR", items: items.slice(1), idempotencyKey: "k" } });
    expect(data?.placeOrder.errors).toEqual([expect.objectContaining({ code: "IDEMPOTENCY_KEY_REUSED", field: ["input", "idempotencyKey"] })]);
    const otherUser = await newUser();
    const other = await placeOrder(otherUser, { idempotencyKey: "k" });
    expect(other.user.id).toBe(otherUser);
    expect((await subject.api.execute(CountOrders)).data?.orders.totalCount).toBe(2);
  });

  it("places one order for concurrent retries with the same idempotency key", async () => {
    const userId = await newUser();
    const results = await Promise.all(Array.from({ length: 6 }, () => placeOrder(userId, { idempotencyKey: "double-click" })));
    expect(new Set(results.map((o) => o.id)).size).toBe(1);
    expect((await subject.api.execute(CountOrders)).data?.orders.totalCount).toBe(1);
  });
});

describe("order status transitions", () => {
  it("follows PENDING → CONFIRMED → SHIPPED → DELIVERED, one version per step", async () => {
    const order = await placeOrder(await newUser());
    const confirm = await subject.api.execute(ConfirmOrder, { input: { id: order.id, expectedVersion: 1 } });
    expect(confirm.data?.confirmOrder).toEqual({ order: { id: order.id, status: "CONFIRMED", version: 2 }, errors: [] });
    const ship = await subject.api.execute(ShipOrder, { input: { id: order.id } });
    expect(ship.data?.shipOrder.order).toEqual({ id: order.id, status: "SHIPPED", version: 3 });
    const deliver = await subject.api.execute(DeliverOrder, { input: { id: order.id, expectedVersion: 3 } });
    expect(deliver.data?.deliverOrder.order).toEqual({ id: order.id, status: "DELIVERED", version: 4 });
  });

  it("cancels a PENDING or CONFIRMED order with an optional reason", async () => {
    const userId = await newUser();
    const pending = await placeOrder(userId);
    expect((await subject.api.execute(CancelOrder, { input: { id: pending.id, reason: " found it cheaper " } })).data?.cancelOrder.order).toEqual({
      id: pending.id,
      status: "CANCELLED",
      version: 2,
      cancellationReason: "found it cheaper",
    });
    const confirmed = await placeOrder(userId);
    await subject.api.execute(ConfirmOrder, { input: { id: confirmed.id } });
    expect((await subject.api.execute(CancelOrder, { input: { id: confirmed.id } })).data?.cancelOrder.order).toMatchObject({ status: "CANCELLED", cancellationReason: null });
  });

  it("refuses every other transition with INVALID_TRANSITION and leaves the order as it was", async () => {
    const order = await placeOrder(await newUser());
    expect((await subject.api.execute(ShipOrder, { input: { id: order.id } })).data?.shipOrder.errors).toEqual([expect.objectContaining({ code: "INVALID_TRANSITION" })]);
    expect((await subject.api.execute(DeliverOrder, { input: { id: order.id } })).data?.deliverOrder.errors).toEqual([expect.objectContaining({ code: "INVALID_TRANSITION" })]);
    await subject.api.execute(ConfirmOrder, { input: { id: order.id } });
    await subject.api.execute(ShipOrder, { input: { id: order.id } });
    expect((await subject.api.execute(CancelOrder, { input: { id: order.id } })).data?.cancelOrder.errors).toEqual([expect.objectContaining({ code: "INVALID_TRANSITION" })]);
    expect((await subject.api.execute(ConfirmOrder, { input: { id: order.id } })).data?.confirmOrder.errors).toEqual([expect.objectContaining({ code: "INVALID_TRANSITION" })]);
    expect((await subject.api.execute(GetOrder, { id: order.id })).data?.order).toMatchObject({ status: "SHIPPED", version: 3 });
  });

  it("fails with VERSION_CONFLICT for a stale expectedVersion, NOT_FOUND for a missing order, VALIDATION_FAILED for a bad id", async () => {
    const order = await placeOrder(await newUser());
    expect((await subject.api.execute(ConfirmOrder, { input: { id: order.id, expectedVersion: 5 } })).data?.confirmOrder.errors).toEqual([
      expect.objectContaining({ code: "VERSION_CONFLICT", field: ["input", "expectedVersion"] }),
    ]);
    const missing = Buffer.from("Order:01900000-0000-7000-8000-000000000000").toString("base64url");
    expect((await subject.api.execute(ConfirmOrder, { input: { id: missing } })).data?.confirmOrder.errors).toEqual([
      expect.objectContaining({ code: "NOT_FOUND", field: ["input", "id"] }),
    ]);
    expect((await subject.api.execute(ConfirmOrder, { input: { id: order.user.id } })).data?.confirmOrder.errors).toEqual([
      expect.objectContaining({ code: "VALIDATION_FAILED", field: ["input", "id"] }),
    ]);
  });

  it("lets exactly one of ten concurrent transitions from the same version win", async () => {
    const order = await placeOrder(await newUser());
    const attempts = Array.from({ length: 10 }, (_, i) =>
      i % 2 === 0
        ? subject.api.execute(ConfirmOrder, { input: { id: order.id, expectedVersion: 1 } }).then((r) => r.data!.confirmOrder)
        : subject.api.execute(CancelOrder, { input: { id: order.id, expectedVersion: 1 } }).then((r) => r.data!.cancelOrder),
    );
    const results = await Promise.all(attempts);
    const winners = results.filter((r) => r.errors.length === 0);
    expect(winners).toHaveLength(1);
    for (const loser of results.filter((r) => r.errors.length > 0)) expect(loser.errors[0]?.code).toBe("VERSION_CONFLICT");
    expect((await subject.api.execute(GetOrder, { id: order.id })).data?.order).toMatchObject({ version: 2, status: winners[0]!.order!.status });
  });

  it("lets exactly one of ten concurrent confirmations win; the others conflict or find it already confirmed", async () => {
    const order = await placeOrder(await newUser());
    const results = await Promise.all(Array.from({ length: 10 }, () => subject.api.execute(ConfirmOrder, { input: { id: order.id } }).then((r) => r.data!.confirmOrder)));
    expect(results.filter((r) => r.errors.length === 0)).toHaveLength(1);
    for (const loser of results.filter((r) => r.errors.length > 0)) {
      expect(["VERSION_CONFLICT", "INVALID_TRANSITION"]).toContain(loser.errors[0]?.code);
    }
    expect((await subject.api.execute(GetOrder, { id: order.id })).data?.order).toMatchObject({ version: 2, status: "CONFIRMED" });
  });
});
