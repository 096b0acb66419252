/** Domain events for the event contracts: two users, their orders, and ids that name nothing. */
import { orderEvent, userEvent, type OrderEvent, type OrderEventType, type UserEvent, type UserEventType } from "../../src/domain/events/domain-event.ts";
import type { Order } from "../../src/domain/orders/order.ts";
import { newId } from "../../src/domain/shared/ids.ts";

const T0 = new Date("2026-01-01T00:00:00.000Z");
export const ALICE = newId();
export const BOB = newId();
export const NOBODY = newId();
export const ALICE_ORDER = newId();
export const ALICE_OTHER_ORDER = newId();
export const BOB_ORDER = newId();

/** Events as services make them, each with a fresh id and a later time than the one before. */
export function eventMaker() {
  let tick = 0;
  const at = () => new Date(T0.getTime() + 1000 * tick++);
  return {
    user: ({ userId = ALICE, type = "user.updated" }: { userId?: string; type?: UserEventType } = {}): UserEvent => {
      const time = at();
      return userEvent(type, { id: userId, email: "someone@example.com", name: "Someone", status: "ACTIVE", createdAt: T0, updatedAt: time, version: 2 }, newId());
    },
    order: ({
      orderId = ALICE_ORDER,
      userId = ALICE,
      type = "order.confirmed",
      previous = "PENDING",
    }: { orderId?: string; userId?: string; type?: OrderEventType; previous?: Order["status"] | null } = {}): OrderEvent => {
      const time = at();
      const order: Order = { id: orderId, userId, status: "CONFIRMED", currency: "EUR", totalCents: 1250, cancellationReason: null, createdAt: T0, updatedAt: time, version: 2 };
      return orderEvent(type, order, previous === null ? null : { ...order, status: previous, version: 1 }, newId());
    },
  };
}
