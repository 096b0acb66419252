/**
 * The persistence model. Column names, types and constraint names are part of the public
 * contract (other tools read this database), so every name here is explicit.
 * Domain rules live in src/domain; these entities only carry rows through the unit of work.
 */
import { defineEntity, p } from "@mikro-orm/core";
import { OutboxDeadLetterEntity, OutboxEventEntity } from "./outbox-entities.ts";

const timestamps = {
  createdAt: p.datetime().columnType("timestamptz").defaultRaw("now()"),
  updatedAt: p.datetime().columnType("timestamptz").defaultRaw("now()"),
};

export const UserEntity = defineEntity({
  name: "User",
  tableName: "users",
  properties: {
    id: p.uuid().primary(),
    email: p.text(),
    name: p.text(),
    status: p.text().default("ACTIVE"),
    ...timestamps,
    version: p.integer().version().default(1),
  },
  indexes: [{ name: "idx_users_created_at_id", properties: ["createdAt", "id"] }],
  uniques: [
    {
      name: "idx_users_lower_email",
      expression: 'create unique index "idx_users_lower_email" on "users" (lower("email"))',
    },
  ],
  checks: [{ name: "users_status_check", expression: "status in ('ACTIVE', 'DEACTIVATED')" }],
});

export const OrderEntity = defineEntity({
  name: "Order",
  tableName: "orders",
  properties: {
    id: p.uuid().primary(),
    user: () => p.manyToOne(UserEntity).fieldName("user_id").foreignKeyName("fk_orders_users"),
    status: p.text(),
    currency: p.string().columnType("char(3)"),
    totalCents: p.bigint("number"),
    cancellationReason: p.text().nullable(),
    ...timestamps,
    version: p.integer().version().default(1),
  },
  // The DESC index is written as SQL: MikroORM 7.2.1 misreads the sort direction of `id` in
  // an index that also has `user_id` and would re-create it in every generated migration.
  indexes: [
    {
      name: "idx_orders_user_id_created_at_id",
      expression: 'create index "idx_orders_user_id_created_at_id" on "orders" ("user_id", "created_at" desc, "id" desc)',
    },
    { name: "idx_orders_created_at_id", properties: ["createdAt", "id"] },
  ],
  checks: [
    { name: "orders_total_cents_check", expression: "total_cents >= 0" },
    { name: "orders_status_check", expression: "status in ('PENDING', 'CONFIRMED', 'SHIPPED', 'DELIVERED', 'CANCELLED')" },
  ],
});

export const OrderItemEntity = defineEntity({
  name: "OrderItem",
  tableName: "order_items",
  properties: {
    id: p.uuid().primary(),
    order: () => p.manyToOne(OrderEntity).fieldName("order_id").foreignKeyName("fk_order_items_orders").deleteRule("cascade"),
    position: p.integer(),
    sku: p.text(),
    name: p.text(),
    quantity: p.integer(),
    unitPriceCents: p.bigint("number"),
  },
  indexes: [{ name: "idx_order_items_order_id_position", properties: ["order", "position"] }],
  checks: [
    { name: "order_items_quantity_check", expression: "quantity > 0" },
    { name: "order_items_unit_price_cents_check", expression: "unit_price_cents >= 0" },
  ],
});

/** Which order an idempotency key placed, so a retried `placeOrder` returns it again. */
export const OrderIdempotencyKeyEntity = defineEntity({
  name: "OrderIdempotencyKey",
  tableName: "order_idempotency_keys",
  properties: {
    user: () => p.manyToOne(UserEntity).fieldName("user_id").foreignKeyName("fk_order_idempotency_keys_users").primary(),
    key: p.text().primary(),
    requestHash: p.text(),
    order: () => p.manyToOne(OrderEntity).fieldName("order_id").foreignKeyName("fk_order_idempotency_keys_orders").deleteRule("cascade"),
    createdAt: p.datetime().columnType("timestamptz").defaultRaw("now()"),
  },
  indexes: [{ name: "idx_order_idempotency_keys_order_id", properties: ["order"] }],
});

export const entities = [UserEntity, OrderEntity, OrderItemEntity, OrderIdempotencyKeyEntity, OutboxEventEntity, OutboxDeadLetterEntity];
