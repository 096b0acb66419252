import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { newOrder, transitionOrder, type Order } from "../../src/domain/orders/order.ts";
import { nextStatus, OrderStatus, type OrderTransition } from "../../src/domain/orders/order-status-machine.ts";
import { item, SPECIFIED_TRANSITIONS, T0 } from "./helpers.ts";

const STATUSES = Object.values(OrderStatus);
const TRANSITIONS: readonly OrderTransition[] = ["confirm", "ship", "deliver", "cancel"];

const ALLOWED = SPECIFIED_TRANSITIONS;

const allMoves = STATUSES.flatMap((status) => TRANSITIONS.map((transition) => [status, transition] as const));
const validMoves = allMoves.filter(([status, transition]) => ALLOWED[status][transition] !== undefined);
const invalidMoves = allMoves.filter(([status, transition]) => ALLOWED[status][transition] === undefined);

const orderIn = (status: OrderStatus): Order => ({
  ...newOrder({ id: "o1", userId: "u1", request: { currency: "USD", items: [item()] }, now: T0 }).order,
  status,
});

describe("order status machine", () => {
  it("has exactly five valid moves and fifteen invalid ones", () => {
    expect(validMoves).toHaveLength(5);
    expect(invalidMoves).toHaveLength(15);
  });

  it.each(validMoves)("allows %s → %s", (status, transition) => {
    expect(nextStatus(status, transition)).toBe(ALLOWED[status][transition]);
  });

  it.each(invalidMoves)("refuses to move a %s order with %s", (status, transition) => {
    expect(nextStatus(status, transition)).toBeNull();
  });

  it.each(invalidMoves)("reports INVALID_TRANSITION when asked to move a %s order with %s", (status, transition) => {
    const result = transitionOrder(orderIn(status), transition, T0);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors.map((e) => e.code)).toEqual(["INVALID_TRANSITION"]);
  });

  it.each(["DELIVERED", "CANCELLED"] as const)("treats %s as terminal", (status) => {
    for (const transition of TRANSITIONS) expect(nextStatus(status, transition)).toBeNull();
  });

  it("follows only allowed edges for any sequence of transitions, versioning each successful move by exactly one", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...TRANSITIONS), { maxLength: 25 }), (sequence) => {
        let order = orderIn(OrderStatus.PENDING);
        let successes = 0;
        let step = 0;
        for (const transition of sequence) {
          const now = new Date(T0.getTime() + ++step * 1000);
          const expected = ALLOWED[order.status][transition];
          const result = transitionOrder(order, transition, now);
          if (expected === undefined) {
            expect(result.ok).toBe(false);
            if (!result.ok) expect(result.errors[0]?.code).toBe("INVALID_TRANSITION");
            continue;
          }
          if (!result.ok) throw new Error(`${transition} from ${order.status} failed: ${JSON.stringify(result.errors)}`);
          expect(result.value.status).toBe(expected);
          expect(result.value.version).toBe(order.version + 1);
          expect(result.value.updatedAt).toEqual(now);
          expect(result.value.createdAt).toEqual(order.createdAt);
          order = result.value;
          successes++;
        }
        expect(order.version).toBe(1 + successes);
        // A PENDING order moves at most three times (to DELIVERED) or is cancelled on the way.
        expect(successes).toBeLessThanOrEqual(3);
        if (order.status === OrderStatus.CANCELLED || order.status === OrderStatus.DELIVERED) {
          for (const transition of TRANSITIONS) expect(transitionOrder(order, transition, T0).ok).toBe(false);
        }
      }),
    );
  });
});
