/** Small, deterministic building blocks shared by the unit tests (not a test file itself). */
import type { OrderStatus, OrderTransition } from "../../src/domain/orders/order-status-machine.ts";
import type { OrderItemInput } from "../../src/domain/orders/order.ts";
import type { Clock } from "../../src/domain/shared/clock.ts";
import type { DomainError } from "../../src/domain/shared/domain-error.ts";
import type { IdGenerator } from "../../src/domain/shared/ids.ts";
import type { Result } from "../../src/domain/shared/result.ts";
import type { Repositories, UnitOfWork } from "../../src/domain/shared/unit-of-work.ts";

export const T0 = new Date("2026-01-01T00:00:00.000Z");

/** A clock that starts at `start` and moves forward one second on every reading. */
export function steppingClock(start: Date = T0): Clock & { readonly readings: Date[] } {
  const readings: Date[] = [];
  return {
    readings,
    now() {
      const reading = new Date(start.getTime() + readings.length * 1000);
      readings.push(reading);
      return reading;
    },
  };
}

/** UUID-shaped ids 00000000-0000-7000-8000-000000000001, …002, … in the order they are asked for. */
export function sequentialIds(prefix = "00000000-0000-7000-8000"): IdGenerator {
  let next = 1;
  return () => `${prefix}-${(next++).toString().padStart(12, "0")}`;
}

export const item = (overrides: Partial<OrderItemInput> = {}): OrderItemInput => ({
  sku: "SKU-1",
  name: "Widget",
  quantity: 1,
  unitPriceCents: 100,
  ...overrides,
});

/** The value of an `Ok` result; fails the test with the errors of an `Err`. */
export function valueOf<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(`expected ok, got errors ${JSON.stringify(result.errors)}`);
  return result.value;
}

/** The errors of an `Err` result; fails the test when the result is `Ok`. */
export function errorsOf<T>(result: Result<T>): readonly DomainError[] {
  if (result.ok) throw new Error(`expected errors, got ok ${JSON.stringify(result.value)}`);
  return result.errors;
}

/** Codes and fields only, for comparing error lists without pinning their wording. */
export const codesAndFields = (errors: readonly DomainError[]) => errors.map(({ code, field }) => ({ code, field }));

/**
 * A unit of work that runs `inner` but hands the work repositories altered by `alter`, to
 * simulate a failing write or a concurrent writer inside a transaction.
 */
export const alteredUnitOfWork = (inner: UnitOfWork, alter: (repositories: Repositories) => Repositories): UnitOfWork => ({
  run: (work) => inner.run((repositories) => work(alter(repositories))),
});

/** The specification's status edges, written out independently of the implementation's table. */
export const SPECIFIED_TRANSITIONS: Readonly<Record<OrderStatus, Partial<Record<OrderTransition, OrderStatus>>>> = {
  PENDING: { confirm: "CONFIRMED", cancel: "CANCELLED" },
  CONFIRMED: { ship: "SHIPPED", cancel: "CANCELLED" },
  SHIPPED: { deliver: "DELIVERED" },
  DELIVERED: {},
  CANCELLED: {},
};
