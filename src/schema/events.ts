import { map, pipe } from "graphql-yoga";
import { ORDER_EVENT_TYPES, USER_EVENT_TYPES, type DomainEvent, type OrderEvent, type UserEvent } from "../domain/events/domain-event.ts";
import type { EventQuery } from "../domain/events/event-feed.ts";
import type { Context } from "../context.ts";
import { builder } from "./builder.ts";
import { decodeGlobalIdOf } from "./global-id.ts";
import { OrderRef, OrderStatusEnum } from "./order.ts";
import { UserRef } from "./user.ts";

/** GraphQL enum names for event types: "order.placed" is ORDER_PLACED. */
const toEnumValue = <T extends string>(type: T) => type.toUpperCase().replace(".", "_");

const OrderEventTypeEnum = builder.enumType("OrderEventType", {
  values: Object.fromEntries(ORDER_EVENT_TYPES.map((type) => [toEnumValue(type), { value: type }])),
});

const UserEventTypeEnum = builder.enumType("UserEventType", {
  values: Object.fromEntries(USER_EVENT_TYPES.map((type) => [toEnumValue(type), { value: type }])),
});

const OrderEventRef = builder.objectRef<OrderEvent>("OrderEvent").implement({
  fields: (t) => ({
    id: t.exposeID("id", { description: "The event's unique id; a subscription never receives the same event twice." }),
    type: t.field({ type: OrderEventTypeEnum, resolve: (event) => event.type }),
    occurredAt: t.field({ type: "DateTime", resolve: (event) => event.occurredAt }),
    status: t.field({ type: OrderStatusEnum, description: "The order's status right after this event.", resolve: (event) => event.data.status }),
    previousStatus: t.field({ type: OrderStatusEnum, nullable: true, resolve: (event) => event.data.previousStatus }),
    order: t.field({
      type: OrderRef,
      description: "The order as it is now.",
      resolve: async (event, _, { loaders }) => {
        const order = await loaders.orderById.load(event.aggregateId);
        if (!order) throw new Error(`event ${event.id} refers to missing order ${event.aggregateId}`);
        return order;
      },
    }),
  }),
});

const UserEventRef = builder.objectRef<UserEvent>("UserEvent").implement({
  fields: (t) => ({
    id: t.exposeID("id"),
    type: t.field({ type: UserEventTypeEnum, resolve: (event) => event.type }),
    occurredAt: t.field({ type: "DateTime", resolve: (event) => event.occurredAt }),
    user: t.field({
      type: UserRef,
      description: "The user as it is now.",
      resolve: async (event, _, { loaders }) => {
        const user = await loaders.userById.load(event.aggregateId);
        if (!user) throw new Error(`event ${event.id} refers to missing user ${event.aggregateId}`);
        return user;
      },
    }),
  }),
});

/**
 * Subscribes through the event service (which decides what the viewer may receive) and renews
 * the context before each event is resolved, so every event sees current rows (fresh loaders
 * and fork), not a cache.
 */
async function subscribe<E extends DomainEvent>(context: Context, requested: EventQuery): Promise<AsyncIterable<E>> {
  const events = await context.services.events.subscribe({ ...requested, onTooSlow: context.onSlowSubscriber });
  return pipe(
    events,
    map((event: DomainEvent) => {
      context.renew(event);
      return event as E;
    }),
  ) as AsyncIterable<E>;
}

const optionalId = (typename: string, value: string | null | undefined, argument: string) =>
  value == null ? undefined : decodeGlobalIdOf(typename, value, argument);

builder.subscriptionType({});

builder.subscriptionFields((t) => ({
  orderEvents: t.field({
    type: OrderEventRef,
    description:
      "Order events, optionally only those of one user, one order, or some types.\nWith `after` (an event id this client saw), matching events since then are replayed first.",
    args: {
      userId: t.arg.id(),
      orderId: t.arg.id(),
      types: t.arg({ type: [OrderEventTypeEnum] }),
      after: t.arg.id(),
    },
    subscribe: (_, args, context) =>
      subscribe<OrderEvent>(context, {
        stream: "order",
        userId: optionalId("User", args.userId, "userId"),
        orderId: optionalId("Order", args.orderId, "orderId"),
        types: args.types ?? undefined,
        after: args.after ?? undefined,
      }),
    resolve: (event) => event,
  }),
  userEvents: t.field({
    type: UserEventRef,
    description: "User events, optionally only those of one user; `after` resumes as for orderEvents.",
    args: {
      userId: t.arg.id(),
      after: t.arg.id(),
    },
    subscribe: (_, args, context) =>
      subscribe<UserEvent>(context, { stream: "user", userId: optionalId("User", args.userId, "userId"), after: args.after ?? undefined }),
    resolve: (event) => event,
  }),
}));
