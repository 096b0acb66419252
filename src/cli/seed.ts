/**
 * Fills the database with deterministic demo data.
 * Usage: npm run db:seed -- --users 10000 --orders-per-user 10 --items-per-order 3 [--seed 1] [--reset]
 * It fills an empty database only; `--reset` first deletes every user, order and event (never in
 * production) and says what it deleted.
 */
import { parseArgs } from "node:util";
import { migrateToLatest } from "../infra/mikro-orm/migrate.ts";
import { seedDatabase } from "../infra/mikro-orm/seed.ts";
import { loadConfig } from "../config.ts";
import { withDatabase } from "./with-database.ts";

const { values } = parseArgs({
  options: {
    users: { type: "string", default: "100" },
    "orders-per-user": { type: "string", default: "5" },
    "items-per-order": { type: "string", default: "3" },
    seed: { type: "string", default: "1" },
    reset: { type: "boolean", default: false },
  },
});

const count = (name: keyof typeof values, min: number) => {
  const value = Number(values[name]);
  if (!Number.isInteger(value) || value < min) {
    console.error(`--${name} must be a whole number ≥ ${min}, got "${values[name]}"`);
    process.exit(2);
  }
  return value;
};

const options = {
  users: count("users", 0),
  ordersPerUser: count("orders-per-user", 0),
  itemsPerOrder: count("items-per-order", 1),
  seed: count("seed", 0),
};

await withDatabase(async (orm) => {
  await migrateToLatest(orm);
  const em = orm.em.fork();
  const [existing] = await em.execute<{ users: number; orders: number; events: number }[]>(
    "select (select count(*)::int from users) as users, (select count(*)::int from orders) as orders, (select count(*)::int from outbox_events) as events",
  );
  if (existing && existing.users > 0) {
    if (!values.reset) {
      console.error(`the database already has ${existing.users} users; db:seed fills an empty database (add --reset to delete everything first)`);
      process.exitCode = 1;
      return;
    }
    if (loadConfig().env === "production") {
      console.error("--reset is refused in production (NODE_ENV=production): it would delete every user and order");
      process.exitCode = 1;
      return;
    }
    await em.execute("truncate users, orders, order_items, order_idempotency_keys, outbox_events, outbox_dead_letters cascade");
    console.log(`--reset: deleted ${existing.users} users, ${existing.orders} orders and ${existing.events} events`);
  }
  const started = performance.now();
  const counts = await em.transactional((tx) => seedDatabase(tx, options));
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`seeded ${counts.users} users, ${counts.orders} orders, ${counts.items} items in ${seconds}s`);
});
