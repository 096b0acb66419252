import { Kind, type GraphQLResolveInfo, type SelectionNode } from "graphql";
import { formatCents, lineTotalCents } from "../domain/orders/money.ts";
import type { Order, OrderItem } from "../domain/orders/order.ts";
import type { OrderFilter, OrderSortField } from "../domain/orders/order-repository.ts";
import type { OrderService, OrderTransitionInput as OrderTransitionInputShape } from "../domain/orders/order-service.ts";
import type { OrderStatus } from "../domain/orders/order-status-machine.ts";
import type { Result } from "../domain/shared/result.ts";
import { builder, type SchemaTypes } from "./builder.ts";
import { connectionCost, ITEMS_PER_ORDER_COST } from "./cost.ts";
import { SortDirectionEnum, toConnection, toPageRequest, type CursorScope } from "./connection.ts";
import { invalidInput, MutationError, toPayload } from "./errors.ts";
import { decodeEntityKey, decodeGlobalIdOf, tryDecodeGlobalIdOf } from "./global-id.ts";
import { UserRef } from "./user.ts";

export const OrderStatusEnum = builder.enumType("OrderStatus", {
  values: ["PENDING", "CONFIRMED", "SHIPPED", "DELIVERED", "CANCELLED"] as const,
});

interface MoneyShape {
  cents: number;
  currency: string;
}

const Money = builder.objectRef<MoneyShape>("Money").implement({
  description: "An amount of money in a currency with two minor digits.",
  fields: (t) => ({
    cents: t.exposeInt("cents", { description: "Amount in minor units, e.g. 1234 for 12.34." }),
    currency: t.exposeString("currency", { description: "ISO 4217 code, e.g. USD." }),
    amount: t.string({
      description: 'Decimal string with exactly two fraction digits, e.g. "12.34".',
      resolve: (money) => formatCents(money.cents),
    }),
  }),
});

const OrderItemRef = builder.objectRef<OrderItem & { currency: string }>("OrderItem").implement({
  fields: (t) => ({
    sku: t.exposeString("sku"),
    name: t.exposeString("name"),
    quantity: t.exposeInt("quantity"),
    unitPrice: t.field({ type: Money, resolve: (item) => ({ cents: item.unitPriceCents, currency: item.currency }) }),
    subtotal: t.field({
      type: Money,
      description: "quantity × unitPrice",
      resolve: (item) => ({ cents: lineTotalCents(item.quantity, item.unitPriceCents), currency: item.currency }),
    }),
  }),
});

export const OrderRef = builder.objectRef<Order>("Order");

builder.node(OrderRef, {
  id: { resolve: (order) => order.id },
  isTypeOf: (value) => typeof value === "object" && value !== null && "totalCents" in value,
  loadMany: (ids, { loaders }) => ids.map((id) => loaders.orderById.load(id)),
  fields: (t) => ({
    user: t.field({
      type: UserRef,
      resolve: async (order, _, { loaders }) => {
        const user = await loaders.userById.load(order.userId);
        if (!user) throw new Error(`order ${order.id} refers to missing user ${order.userId}`);
        return user;
      },
    }),
    status: t.expose("status", { type: OrderStatusEnum }),
    currency: t.exposeString("currency"),
    items: t.field({
      type: [OrderItemRef],
      description: "Items in the order they were placed.",
      complexity: { field: 1, multiplier: ITEMS_PER_ORDER_COST },
      resolve: async (order, _, { loaders }) =>
        (await loaders.itemsByOrderId.load(order.id)).map((item) => ({ ...item, currency: order.currency })),
    }),
    total: t.field({
      type: Money,
      description: "Sum of the items' subtotals.",
      resolve: (order) => ({ cents: order.totalCents, currency: order.currency }),
    }),
    cancellationReason: t.exposeString("cancellationReason", {
      nullable: true,
      description: "The reason given when the order was cancelled, if any.",
    }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    updatedAt: t.expose("updatedAt", { type: "DateTime" }),
    version: t.exposeInt("version", { description: "Optimistic-concurrency version; increases by one on every change." }),
  }),
});

// A federation entity like User (see user.ts).
builder.asEntity(OrderRef, {
  key: builder.selection<{ id: string }>("id"),
  resolveReference: (reference, { loaders }) => loaders.orderById.load(decodeEntityKey("Order", reference)),
});

const OrderConnection = builder.connectionObject(
  {
    type: OrderRef,
    name: "OrderConnection",
    fields: (t) => ({
      totalCount: t.int({
        description: "Number of items matching the filter, ignoring the cursors and page size.",
        resolve: (connection) => connection.totalCount(),
      }),
    }),
  },
  { name: "OrderEdge" },
);

const OrderSortFieldEnum = builder.enumType("OrderSortField", { values: ["CREATED_AT", "TOTAL"] as const });

const OrderSortInput = builder.inputType("OrderSort", {
  description: "Sort order; ties are broken by id in the same direction.",
  fields: (t) => ({
    field: t.field({ type: OrderSortFieldEnum, required: true }),
    direction: t.field({ type: SortDirectionEnum, required: true }),
  }),
});

/** The filter fields `User.orders` and `Query.orders` share. */
const orderFilterFields = (t: PothosSchemaTypes.InputFieldBuilder<SchemaTypes, "InputObject">) => ({
  status: t.field({ type: [OrderStatusEnum], description: "Any of these statuses." }),
  createdAfter: t.field({ type: "DateTime", description: "Inclusive lower bound on createdAt." }),
  createdBefore: t.field({ type: "DateTime", description: "Exclusive upper bound on createdAt." }),
  minTotalCents: t.int({ description: "Inclusive bounds on total.cents." }),
  maxTotalCents: t.int(),
});

const UserOrdersFilterInput = builder.inputType("UserOrdersFilter", { fields: orderFilterFields });

const OrderFilterInput = builder.inputType("OrderFilter", {
  fields: (t) => ({
    userId: t.id({ description: "Global ID of the user who placed the orders." }),
    ...orderFilterFields(t),
  }),
});

interface OrderFilterArgs {
  status?: OrderStatus[] | null;
  createdAfter?: Date | null;
  createdBefore?: Date | null;
  minTotalCents?: number | null;
  maxTotalCents?: number | null;
}

const toOrderFilter = (args: OrderFilterArgs | null | undefined): Omit<OrderFilter, "userId"> => ({
  ...(args?.status != null && { status: args.status }),
  ...(args?.createdAfter != null && { createdAfter: args.createdAfter }),
  ...(args?.createdBefore != null && { createdBefore: args.createdBefore }),
  ...(args?.minTotalCents != null && { minTotalCents: args.minTotalCents }),
  ...(args?.maxTotalCents != null && { maxTotalCents: args.maxTotalCents }),
});

const CURSOR_KIND = { CREATED_AT: "timestamp", TOTAL: "integer" } as const;

/**
 * Whether the field being resolved selects `path` (e.g. ["totalCount"], or ["edges", "node",
 * "user"]), directly or through inline fragments. A named fragment counts as selecting anything:
 * the answer errs towards reading more.
 */
function selects(info: GraphQLResolveInfo, ...path: string[]): boolean {
  const inSet = (selections: readonly SelectionNode[], [name, ...rest]: string[]): boolean =>
    selections.some((selection) =>
      selection.kind === Kind.FIELD
        ? selection.name.value === name && (rest.length === 0 || inSet(selection.selectionSet?.selections ?? [], rest))
        : selection.kind === Kind.INLINE_FRAGMENT
          ? inSet(selection.selectionSet.selections, [name!, ...rest])
          : true,
    );
  return info.fieldNodes.some((node) => inSet(node.selectionSet?.selections ?? [], path));
}

const orderScope = (orderBy: { field: OrderSortField; direction: "ASC" | "DESC" } | null | undefined): CursorScope => {
  const sort = orderBy ?? { field: "CREATED_AT" as const, direction: "DESC" as const };
  return { typename: "Order", sort, kind: CURSOR_KIND[sort.field] };
};

builder.objectField(UserRef, "orders", (t) =>
  t.connection(
    {
      type: OrderRef,
      description: "This user's orders; default order is createdAt DESC.",
      complexity: connectionCost,
      args: {
        filter: t.arg({ type: UserOrdersFilterInput }),
        orderBy: t.arg({ type: OrderSortInput }),
      },
      async resolve(user, args, { loaders }, info) {
        const scope = orderScope(args.orderBy);
        const filter = toOrderFilter(args.filter);
        const query = { filter, sort: scope.sort as { field: OrderSortField; direction: "ASC" | "DESC" }, page: toPageRequest(args, scope) };
        const withTotalCount = selects(info, "totalCount");
        const page = await loaders.ordersPageByUserId.load(user.id, query, withTotalCount);
        // `selects` errs towards counting (fragments count as selecting), so a selected
        // totalCount always arrived with the page.
        return toConnection(page, scope, () => Promise.resolve(page.totalCount ?? 0));
      },
    },
    OrderConnection,
  ),
);

builder.queryFields((t) => ({
  order: t.field({
    type: OrderRef,
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_, args, { services }) => services.orders.getOne(decodeGlobalIdOf("Order", args.id, "id")),
  }),
  orders: t.connection(
    {
      type: OrderRef,
      description: "Default order is createdAt DESC. first/last: 0..100, default 20; first and last together are rejected.",
      complexity: connectionCost,
      args: {
        filter: t.arg({ type: OrderFilterInput }),
        orderBy: t.arg({ type: OrderSortInput }),
      },
      async resolve(_, args, { services, loaders }, info) {
        const scope = orderScope(args.orderBy);
        const page = toPageRequest(args, scope);
        const userId = args.filter?.userId == null ? undefined : decodeGlobalIdOf("User", args.filter.userId, "filter.userId");
        const filter: OrderFilter = { ...toOrderFilter(args.filter), ...(userId && { userId }) };
        const sort = scope.sort as { field: OrderSortField; direction: "ASC" | "DESC" };
        // Orders listed with their users (the common "recent orders" view) read both in one statement.
        const withUsers = selects(info, "edges", "node", "user") || selects(info, "nodes", "user");
        const result = await services.orders.getPage({ filter, sort, page }, { withUsers });
        loaders.prime.orders(result.edges.map((edge) => edge.node));
        if (result.users) loaders.prime.users(result.users);
        return toConnection(result, scope, () => services.orders.count(filter));
      },
    },
    OrderConnection,
  ),
}));

const OrderPayload = builder.objectRef<{ order: Order | null; errors: unknown[] }>("OrderPayload").implement({
  description: "On success `order` is set and `errors` is empty; on an expected failure `order` is null and `errors` says why.",
  fields: (t) => ({
    order: t.field({ type: OrderRef, nullable: true, resolve: (payload) => payload.order }),
    errors: t.field({ type: [MutationError], resolve: (payload) => payload.errors as never }),
  }),
});

const OrderItemInput = builder.inputType("OrderItemInput", {
  fields: (t) => ({
    sku: t.string({ required: true }),
    name: t.string({ required: true }),
    quantity: t.int({ required: true, description: "1..10000" }),
    unitPriceCents: t.int({ required: true, description: "0..100000000" }),
  }),
});

const PlaceOrderInput = builder.inputType("PlaceOrderInput", {
  fields: (t) => ({
    userId: t.id({ required: true }),
    currency: t.string({ required: true, description: "ISO 4217 code of a supported currency (at least USD, EUR, GBP)." }),
    items: t.field({ type: [OrderItemInput], required: true, description: "1..100 items" }),
    idempotencyKey: t.string({
      description: "Retrying with the same key and the same input returns the first order instead of placing another.",
    }),
  }),
});

const OrderTransitionInput = builder.inputType("OrderTransitionInput", {
  fields: (t) => ({
    id: t.id({ required: true }),
    expectedVersion: t.int(),
  }),
});

const CancelOrderInput = builder.inputType("CancelOrderInput", {
  fields: (t) => ({
    id: t.id({ required: true }),
    expectedVersion: t.int(),
    reason: t.string(),
  }),
});

const notAnOrderId = () => ({ order: null, ...invalidInput("`id` must be the ID of an Order returned by this API.", ["id"]) });

builder.mutationFields((t) => {
  /** A status transition: decode the order's ID, then let the service apply the machine. */
  const transition = (description: string, apply: (orders: OrderService, input: OrderTransitionInputShape) => Promise<Result<Order>>) =>
    t.field({
      type: OrderPayload,
      description,
      args: { input: t.arg({ type: OrderTransitionInput, required: true }) },
      resolve: async (_, { input }, { services }) => {
        const id = tryDecodeGlobalIdOf("Order", input.id);
        if (!id) return notAnOrderId();
        return toPayload("order", await apply(services.orders, { ...input, id }));
      },
    });

  return {
    placeOrder: t.field({
      type: OrderPayload,
      args: { input: t.arg({ type: PlaceOrderInput, required: true }) },
      resolve: async (_, { input }, { services, rateLimit }) => {
        await rateLimit("placeOrder");
        const userId = tryDecodeGlobalIdOf("User", input.userId);
        if (!userId) return { order: null, ...invalidInput("`userId` must be the ID of a User returned by this API.", ["userId"]) };
        return toPayload("order", await services.orders.placeOrder({ ...input, userId }));
      },
    }),
    confirmOrder: transition("PENDING → CONFIRMED", (orders, input) => orders.confirmOrder(input)),
    shipOrder: transition("CONFIRMED → SHIPPED", (orders, input) => orders.shipOrder(input)),
    deliverOrder: transition("SHIPPED → DELIVERED", (orders, input) => orders.deliverOrder(input)),
    cancelOrder: t.field({
      type: OrderPayload,
      description: "PENDING or CONFIRMED → CANCELLED",
      args: { input: t.arg({ type: CancelOrderInput, required: true }) },
      resolve: async (_, { input }, { services }) => {
        const id = tryDecodeGlobalIdOf("Order", input.id);
        if (!id) return notAnOrderId();
        return toPayload("order", await services.orders.cancelOrder({ ...input, id }));
      },
    }),
  };
});
