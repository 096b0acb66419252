import { Migration } from '@mikro-orm/migrations';

export class Migration20261122004603_outbox extends Migration {

  override name = 'Migration20261122004603_outbox';

  override up(): void | Promise<void> {
    this.addSql(`create table "outbox_dead_letters" ("seq" bigint not null, "id" uuid not null, "type" text not null, "stream" text not null, "aggregate_id" uuid not null, "user_id" uuid not null, "occurred_at" timestamptz not null, "data" jsonb not null, "traceparent" text null, "created_at" timestamptz not null, "attempts" int not null, "error" text not null, "failed_at" timestamptz not null default now(), primary key ("seq"));`);

    this.addSql(`create table "outbox_events" ("seq" bigserial primary key, "id" uuid not null, "type" text not null, "stream" text not null, "aggregate_id" uuid not null, "user_id" uuid not null, "occurred_at" timestamptz not null, "data" jsonb not null, "traceparent" text null, "created_at" timestamptz not null default now(), "published_at" timestamptz null, "position" bigint null, "attempts" int not null default 0, "last_error" text null);`);
    this.addSql(`alter table "outbox_events" add constraint "idx_outbox_events_id" unique ("id");`);
    this.addSql(`alter table "outbox_events" add constraint "idx_outbox_events_position" unique ("position");`);
    this.addSql(`create index "idx_outbox_events_pending" on "outbox_events" ("seq") where "published_at" is null;`);
    this.addSql(`create index "idx_outbox_events_aggregate_id_seq" on "outbox_events" ("aggregate_id", "seq");`);
    this.addSql(`create index "idx_outbox_events_user_id_seq" on "outbox_events" ("user_id", "seq");`);
    this.addSql(`create index "idx_outbox_events_published_at" on "outbox_events" ("published_at");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "outbox_dead_letters" cascade;`);
    this.addSql(`drop table if exists "outbox_events" cascade;`);
  }

}
