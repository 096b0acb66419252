/**
 * Fills the database with deterministic demo data.
 * Usage: npm run db:seed -- --users 10000 --orders-per-user 10 --items-per-order 3 [--seed 1]
 */
import { parseArgs } from "node:util";
import { migrateToLatest } from "../infra/mikro-orm/migrate.ts";
import { seedDatabase } from "../infra/mikro-orm/seed.ts";
import { withDatabase } from "./with-database.ts";

const { values } = parseArgs({
  options: {
    users: { type: "string", default: "100" },
    "orders-per-user": { type: "string", default: "5" },
    "items-per-order": { type: "string", default: "3" },
    seed: { type: "string", default: "1" },
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
  const [existing] = await em.execute<{ count: number }[]>("select count(*)::int as count from users");
  if (existing && existing.count > 0) {
    console.error(`the database already has ${existing.count} users; db:seed fills an empty database`);
    process.exitCode = 1;
    return;
  }
  const started = performance.now();
  const counts = await em.transactional((tx) => seedDatabase(tx, options));
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`seeded ${counts.users} users, ${counts.orders} orders, ${counts.items} items in ${seconds}s`);
});
