import { Migration } from '@mikro-orm/migrations';

export class Migration20261122001046_initial extends Migration {

  override name = 'Migration20261122001046_initial';

  override up(): void | Promise<void> {
    this.addSql(`create table "users" ("id" uuid not null, "email" text not null, "name" text not null, "status" text not null default 'ACTIVE', "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "version" int not null default 1, primary key ("id"));`);
    this.addSql(`create index "idx_users_created_at_id" on "users" ("created_at", "id");`);
    this.addSql(`create unique index "idx_users_lower_email" on "users" (lower("email"));`);

    this.addSql(`create table "orders" ("id" uuid not null, "user_id" uuid not null, "status" text not null, "currency" char(3) not null, "total_cents" bigint not null, "cancellation_reason" text null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "version" int not null default 1, primary key ("id"));`);
    this.addSql(`create index "idx_orders_user_id_created_at_id" on "orders" ("user_id", "created_at" desc, "id" desc);`);
    this.addSql(`create index "idx_orders_created_at_id" on "orders" ("created_at", "id");`);

    this.addSql(`create table "order_items" ("id" uuid not null, "order_id" uuid not null, "position" int not null, "sku" text not null, "name" text not null, "quantity" int not null, "unit_price_cents" bigint not null, primary key ("id"));`);
    this.addSql(`create index "idx_order_items_order_id_position" on "order_items" ("order_id", "position");`);

    this.addSql(`create table "order_idempotency_keys" ("user_id" uuid not null, "key" text not null, "request_hash" text not null, "order_id" uuid not null, "created_at" timestamptz not null default now(), primary key ("user_id", "key"));`);
    this.addSql(`create index "idx_order_idempotency_keys_order_id" on "order_idempotency_keys" ("order_id");`);

    this.addSql(`alter table "users" add constraint "users_status_check" check (status in ('ACTIVE', 'DEACTIVATED'));`);

    this.addSql(`alter table "orders" add constraint "fk_orders_users" foreign key ("user_id") references "users" ("id");`);
    this.addSql(`alter table "orders" add constraint "orders_total_cents_check" check (total_cents >= 0);`);
    this.addSql(`alter table "orders" add constraint "orders_status_check" check (status in ('PENDING', 'CONFIRMED', 'SHIPPED', 'DELIVERED', 'CANCELLED'));`);

    this.addSql(`alter table "order_items" add constraint "fk_order_items_orders" foreign key ("order_id") references "orders" ("id") on delete cascade;`);
    this.addSql(`alter table "order_items" add constraint "order_items_quantity_check" check (quantity > 0);`);
    this.addSql(`alter table "order_items" add constraint "order_items_unit_price_cents_check" check (unit_price_cents >= 0);`);

    this.addSql(`alter table "order_idempotency_keys" add constraint "fk_order_idempotency_keys_users" foreign key ("user_id") references "users" ("id");`);
    this.addSql(`alter table "order_idempotency_keys" add constraint "fk_order_idempotency_keys_orders" foreign key ("order_id") references "orders" ("id") on delete cascade;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "orders" drop constraint "fk_orders_users";`);
    this.addSql(`alter table "order_idempotency_keys" drop constraint "fk_order_idempotency_keys_users";`);
    this.addSql(`alter table "order_items" drop constraint "fk_order_items_orders";`);
    this.addSql(`alter table "order_idempotency_keys" drop constraint "fk_order_idempotency_keys_orders";`);

    this.addSql(`drop table if exists "users" cascade;`);
    this.addSql(`drop table if exists "orders" cascade;`);
    this.addSql(`drop table if exists "order_items" cascade;`);
    this.addSql(`drop table if exists "order_idempotency_keys" cascade;`);
  }

}
