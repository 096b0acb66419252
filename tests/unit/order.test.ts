import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_TOTAL_CENTS, SUPPORTED_CURRENCIES } from "../../src/domain/orders/money.ts";
import { newOrder, parseOrderRequest, transitionOrder, type Order, type OrderItemInput, type OrderRequest } from "../../src/domain/orders/order.ts";
import { OrderStatus } from "../../src/domain/orders/order-status-machine.ts";
import { codesAndFields, errorsOf, item, T0, valueOf } from "./helpers.ts";

const T1 = new Date("2026-01-02T00:00:00.000Z");

const parse = (items: readonly OrderItemInput[], currency = "USD") => parseOrderRequest({ currency, items });
const items = (count: number) => Array.from({ length: count }, (_, i) => item({ sku: `SKU-${i}` }));
const invalid = (...field: string[]) => ({ code: "VALIDATION_FAILED", field });

describe("parseOrderRequest: currency", () => {
  it("trims and upper-cases the currency", () => {
    expect(valueOf(parse([item()], "  usd ")).currency).toBe("USD");
    expect(valueOf(parse([item()], "eUr")).currency).toBe("EUR");
  });

  it.each(SUPPORTED_CURRENCIES)("accepts %s", (currency) => {
    expect(valueOf(parse([item()], currency.toLowerCase())).currency).toBe(currency);
  });

  it.each(["JPY", "XXX", "US", "", "   ", "U SD"])("rejects the unsupported currency %j", (currency) => {
    expect(codesAndFields(errorsOf(parse([item()], currency)))).toEqual([invalid("currency")]);
  });
});

describe("parseOrderRequest: number of items", () => {
  it("rejects an order without items", () => {
    expect(codesAndFields(errorsOf(parse([])))).toEqual([invalid("items")]);
  });

  it.each([1, 100])("accepts %d items", (count) => {
    expect(valueOf(parse(items(count))).items).toHaveLength(count);
  });

  it("rejects 101 items", () => {
    expect(codesAndFields(errorsOf(parse(items(101))))).toEqual([invalid("items")]);
  });
});

describe("parseOrderRequest: quantity", () => {
  it.each([1, 10_000])("accepts a quantity of %d", (quantity) => {
    expect(valueOf(parse([item({ quantity })])).items[0]?.quantity).toBe(quantity);
  });

  it.each([0, -1, 10_001, 1.5, Number.NaN, Number.POSITIVE_INFINITY])("rejects a quantity of %d", (quantity) => {
    expect(codesAndFields(errorsOf(parse([item({ quantity })])))).toEqual([invalid("items", "0", "quantity")]);
  });
});

describe("parseOrderRequest: unit price", () => {
  it.each([0, 1, 100_000_000])("accepts a unit price of %d cents", (unitPriceCents) => {
    expect(valueOf(parse([item({ unitPriceCents })])).items[0]?.unitPriceCents).toBe(unitPriceCents);
  });

  it.each([-1, 100_000_001, 0.5, Number.NaN])("rejects a unit price of %d cents", (unitPriceCents) => {
    expect(codesAndFields(errorsOf(parse([item({ unitPriceCents })])))).toEqual([invalid("items", "0", "unitPriceCents")]);
  });
});

describe("parseOrderRequest: sku and item name", () => {
  it("trims the sku and the name", () => {
    expect(valueOf(parse([item({ sku: "  ABC-1 ", name: "\tBlue widget  " })])).items[0]).toEqual({
      sku: "ABC-1",
      name: "Blue widget",
      quantity: 1,
      unitPriceCents: 100,
    });
  });

  it("accepts a 64-character sku and a 200-character name", () => {
    const parsed = valueOf(parse([item({ sku: "S".repeat(64), name: "N".repeat(200) })]));
    expect(parsed.items[0]?.sku).toHaveLength(64);
    expect(parsed.items[0]?.name).toHaveLength(200);
  });

  it("rejects a blank or 65-character sku and a blank or 201-character name", () => {
    expect(codesAndFields(errorsOf(parse([item({ sku: "  ", name: "" }), item({ sku: "S".repeat(65), name: "N".repeat(201) })])))).toEqual([
      invalid("items", "0", "sku"),
      invalid("items", "0", "name"),
      invalid("items", "1", "sku"),
      invalid("items", "1", "name"),
    ]);
  });
});

describe("parseOrderRequest: total", () => {
  // 21 lines of 1,000,000.00 plus one of 474,836.47 make 2^31 − 1 cents.
  const atLimit = [...Array.from({ length: 21 }, (_, i) => item({ sku: `BIG-${i}`, unitPriceCents: 100_000_000 })), item({ unitPriceCents: 47_483_647 })];

  it("accepts a total of exactly 2^31 − 1 cents", () => {
    expect(valueOf(parse(atLimit)).items).toHaveLength(22);
    expect(newOrder({ id: "o1", userId: "u1", request: valueOf(parse(atLimit)), now: T0 }).order.totalCents).toBe(MAX_TOTAL_CENTS);
  });

  it("rejects a total of 2^31 cents", () => {
    const errors = errorsOf(parse([...atLimit, item({ sku: "ONE-MORE", unitPriceCents: 1 })]));
    expect(codesAndFields(errors)).toEqual([invalid("items")]);
    expect(errors[0]?.message).toContain(String(MAX_TOTAL_CENTS));
  });

  it("rejects a total over the limit reached by quantity rather than by the number of lines", () => {
    // 10,000 × 214,749 cents = 2,147,490,000 > 2^31 − 1
    expect(codesAndFields(errorsOf(parse([item({ quantity: 10_000, unitPriceCents: 214_749 })])))).toEqual([invalid("items")]);
  });
});

describe("parseOrderRequest: reporting", () => {
  it("reports every problem at once, each with the path to the offending value", () => {
    const result = parseOrderRequest({
      currency: "jpy",
      items: [item({ quantity: 0 }), item({ sku: "", unitPriceCents: -1 }), item()],
    });
    expect(codesAndFields(errorsOf(result))).toEqual([
      invalid("currency"),
      invalid("items", "0", "quantity"),
      invalid("items", "1", "sku"),
      invalid("items", "1", "unitPriceCents"),
    ]);
  });

  it("keeps the items in the order they were given", () => {
    const parsed = valueOf(parse([item({ sku: "C" }), item({ sku: "A" }), item({ sku: "B" })]));
    expect(parsed.items.map((i) => i.sku)).toEqual(["C", "A", "B"]);
  });
});

describe("newOrder", () => {
  const request: OrderRequest = {
    currency: "EUR",
    items: [item({ sku: "B", quantity: 2, unitPriceCents: 250 }), item({ sku: "A", quantity: 3, unitPriceCents: 1 })],
  };

  it("starts pending at version 1 with the total of its lines and no cancellation reason", () => {
    expect(newOrder({ id: "o1", userId: "u1", request, now: T0 }).order).toEqual({
      id: "o1",
      userId: "u1",
      status: OrderStatus.PENDING,
      currency: "EUR",
      totalCents: 503,
      cancellationReason: null,
      createdAt: T0,
      updatedAt: T0,
      version: 1,
    });
  });

  it("numbers the items from 0 in the order they were placed and ties them to the order", () => {
    expect(newOrder({ id: "o1", userId: "u1", request, now: T0 }).items).toEqual([
      { orderId: "o1", position: 0, sku: "B", name: "Widget", quantity: 2, unitPriceCents: 250 },
      { orderId: "o1", position: 1, sku: "A", name: "Widget", quantity: 3, unitPriceCents: 1 },
    ]);
  });

  const validItem = fc.record({
    sku: fc.stringMatching(/^[A-Z0-9-]{1,8}$/),
    name: fc.constant("Item"),
    quantity: fc.integer({ min: 1, max: 10_000 }),
    unitPriceCents: fc.integer({ min: 0, max: 100_000_000 }),
  });
  const exactSum = (lines: readonly OrderItemInput[]) => lines.reduce((sum, l) => sum + BigInt(l.quantity) * BigInt(l.unitPriceCents), 0n);

  it("has a total equal to the sum of quantity × unit price over its lines", () => {
    fc.assert(
      fc.property(fc.array(validItem, { minLength: 1, maxLength: 100 }), (lines) => {
        const { order, items: stored } = newOrder({ id: "o1", userId: "u1", request: { currency: "USD", items: lines }, now: T0 });
        expect(BigInt(order.totalCents)).toBe(exactSum(lines));
        expect(stored.map((i) => i.position)).toEqual(lines.map((_, i) => i));
      }),
    );
  });

  it("is accepted by parseOrderRequest exactly when its lines total at most 2^31 − 1 cents", () => {
    fc.assert(
      fc.property(fc.array(validItem, { minLength: 1, maxLength: 100 }), (lines) => {
        const result = parseOrderRequest({ currency: "USD", items: lines });
        expect(result.ok).toBe(exactSum(lines) <= BigInt(MAX_TOTAL_CENTS));
      }),
    );
  });
});

describe("transitionOrder", () => {
  const pending = (): Order => newOrder({ id: "o1", userId: "u1", request: { currency: "USD", items: [item()] }, now: T0 }).order;

  it("moves the order, bumps the version by one and stamps updatedAt", () => {
    expect(valueOf(transitionOrder(pending(), "confirm", T1))).toEqual({ ...pending(), status: OrderStatus.CONFIRMED, updatedAt: T1, version: 2 });
  });

  it("does not modify the order it is given", () => {
    const order = pending();
    transitionOrder(order, "confirm", T1);
    expect(order).toEqual(pending());
  });

  it("stores a cancellation reason trimmed", () => {
    expect(valueOf(transitionOrder(pending(), "cancel", T1, { reason: "  changed my mind \n" })).cancellationReason).toBe("changed my mind");
  });

  it("stores no reason when the reason is absent, empty or blank", () => {
    expect(valueOf(transitionOrder(pending(), "cancel", T1)).cancellationReason).toBeNull();
    expect(valueOf(transitionOrder(pending(), "cancel", T1, { reason: "" })).cancellationReason).toBeNull();
    expect(valueOf(transitionOrder(pending(), "cancel", T1, { reason: "   " })).cancellationReason).toBeNull();
  });

  it("accepts a reason of exactly 500 characters, measured after trimming", () => {
    const reason = "r".repeat(500);
    expect(valueOf(transitionOrder(pending(), "cancel", T1, { reason: `  ${reason}  ` })).cancellationReason).toBe(reason);
  });

  it("rejects a reason of 501 characters without cancelling", () => {
    const errors = errorsOf(transitionOrder(pending(), "cancel", T1, { reason: "r".repeat(501) }));
    expect(codesAndFields(errors)).toEqual([invalid("reason")]);
  });

  it("keeps the cancellation reason null on the other transitions", () => {
    const confirmed = valueOf(transitionOrder(pending(), "confirm", T1));
    expect(confirmed.cancellationReason).toBeNull();
    expect(valueOf(transitionOrder(confirmed, "ship", T1)).cancellationReason).toBeNull();
  });

  it("reports an invalid transition with INVALID_TRANSITION, naming the transition and the status", () => {
    const errors = errorsOf(transitionOrder(pending(), "ship", T1));
    expect(errors).toEqual([{ code: "INVALID_TRANSITION", message: expect.stringMatching(/ship.*PENDING/) }]);
  });

  it("reports an invalid transition before looking at the reason", () => {
    const delivered: Order = { ...pending(), status: OrderStatus.DELIVERED };
    expect(errorsOf(transitionOrder(delivered, "cancel", T1, { reason: "r".repeat(501) }))[0]?.code).toBe("INVALID_TRANSITION");
  });
});
