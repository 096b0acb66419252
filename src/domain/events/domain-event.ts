import type { Order } from "../orders/order.ts";
import type { OrderStatus } from "../orders/order-status-machine.ts";
import type { User } from "../users/user.ts";

/** Every change to a user or an order emits exactly one of these. */
export const USER_EVENT_TYPES = ["user.created", "user.updated", "user.deactivated"] as const;
export const ORDER_EVENT_TYPES = ["order.placed", "order.confirmed", "order.shipped", "order.delivered", "order.cancelled"] as const;

export type UserEventType = (typeof USER_EVENT_TYPES)[number];
export type OrderEventType = (typeof ORDER_EVENT_TYPES)[number];

export interface UserEventData {
  readonly userId: string;
  readonly status: User["status"];
  readonly version: number;
}

export interface OrderEventData {
  readonly orderId: string;
  readonly userId: string;
  readonly status: OrderStatus;
  /** Null for `order.placed`. */
  readonly previousStatus: OrderStatus | null;
  readonly version: number;
  readonly totalCents: number;
  readonly currency: string;
  /** For `order.cancelled`, when one was given. */
  readonly reason?: string;
}

interface EventBase<Stream extends "user" | "order", Type extends string, Data> {
  /** UUIDv7. */
  readonly id: string;
  readonly stream: Stream;
  readonly type: Type;
  /** The user or order the event is about. */
  readonly aggregateId: string;
  /** The user the event concerns: the user itself, or the order's owner. */
  readonly userId: string;
  readonly occurredAt: Date;
  readonly data: Data;
  /** Its place in the one publication order, once the outbox relay has numbered it. */
  readonly position?: number;
  /** The W3C trace context of the operation that caused it, when it had one. */
  readonly traceparent?: string;
}

export type UserEvent = EventBase<"user", UserEventType, UserEventData>;
export type OrderEvent = EventBase<"order", OrderEventType, OrderEventData>;
export type DomainEvent = UserEvent | OrderEvent;

export function userEvent(type: UserEventType, user: User, id: string): UserEvent {
  return {
    id,
    stream: "user",
    type,
    aggregateId: user.id,
    userId: user.id,
    occurredAt: user.updatedAt,
    data: { userId: user.id, status: user.status, version: user.version },
  };
}

export function orderEvent(type: OrderEventType, order: Order, previous: Order | null, id: string): OrderEvent {
  return {
    id,
    stream: "order",
    type,
    aggregateId: order.id,
    userId: order.userId,
    occurredAt: order.updatedAt,
    data: {
      orderId: order.id,
      userId: order.userId,
      status: order.status,
      previousStatus: previous?.status ?? null,
      version: order.version,
      totalCents: order.totalCents,
      currency: order.currency,
      ...(type === "order.cancelled" && order.cancellationReason ? { reason: order.cancellationReason } : {}),
    },
  };
}
