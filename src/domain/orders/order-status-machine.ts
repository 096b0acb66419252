export const OrderStatus = {
  PENDING: "PENDING",
  CONFIRMED: "CONFIRMED",
  SHIPPED: "SHIPPED",
  DELIVERED: "DELIVERED",
  CANCELLED: "CANCELLED",
} as const;
export type OrderStatus = (typeof OrderStatus)[keyof typeof OrderStatus];

export type OrderTransition = "confirm" | "ship" | "deliver" | "cancel";

/**
 * PENDING → CONFIRMED → SHIPPED → DELIVERED, and PENDING or CONFIRMED → CANCELLED.
 * Every other move is an invalid transition.
 */
export const orderStatusMachine: Readonly<Record<OrderTransition, { from: readonly OrderStatus[]; to: OrderStatus }>> = {
  confirm: { from: [OrderStatus.PENDING], to: OrderStatus.CONFIRMED },
  ship: { from: [OrderStatus.CONFIRMED], to: OrderStatus.SHIPPED },
  deliver: { from: [OrderStatus.SHIPPED], to: OrderStatus.DELIVERED },
  cancel: { from: [OrderStatus.PENDING, OrderStatus.CONFIRMED], to: OrderStatus.CANCELLED },
};

/** The status after `transition`, or `null` when the machine does not allow it from `status`. */
export function nextStatus(status: OrderStatus, transition: OrderTransition): OrderStatus | null {
  const rule = orderStatusMachine[transition];
  return rule.from.includes(status) ? rule.to : null;
}
