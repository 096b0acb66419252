/**
 * Deterministic demo and benchmark data, written with bulk `INSERT … SELECT FROM unnest(…)`
 * statements (thousands of rows per statement) instead of one ORM flush per row.
 */
import type { EntityManager } from "@mikro-orm/postgresql";
import { sql } from "kysely";
import { SUPPORTED_CURRENCIES } from "../../domain/orders/money.ts";
import { OrderStatus } from "../../domain/orders/order-status-machine.ts";

export interface SeedOptions {
  readonly users: number;
  readonly ordersPerUser: number;
  readonly itemsPerOrder: number;
  /** The same seed gives the same data (default 1). */
  readonly seed?: number;
  /** Timestamp of the first user (default 2024-01-01); later rows are later. */
  readonly start?: Date;
}

const FIRST = ["Ada", "Alan", "Barbara", "Claude", "Donald", "Edsger", "Frances", "Grace", "Hedy", "John", "Katherine", "Linus", "Margaret", "Niklaus", "Radia", "Tim"];
const LAST = ["Lovelace", "Turing", "Liskov", "Shannon", "Knuth", "Dijkstra", "Allen", "Hopper", "Lamarr", "Backus", "Johnson", "Torvalds", "Hamilton", "Wirth", "Perlman", "Berners-Lee"];
const PRODUCTS = ["Notebook", "Pencil", "Coffee beans", "Tea", "Mug", "Headphones", "Keyboard", "Desk lamp", "Backpack", "Water bottle", "Charger", "Book"];
const STATUSES = [OrderStatus.PENDING, OrderStatus.CONFIRMED, OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.CANCELLED];

/** mulberry32: a tiny, fast, seedable PRNG; enough for demo data. */
function random(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A UUIDv7 for `time`, with random bits from `next`: time-ordered and reproducible. */
function uuidv7At(time: number, next: () => number): string {
  const hex = (value: number, digits: number) => Math.floor(value).toString(16).padStart(digits, "0");
  const ms = hex(time, 12);
  const randomHex = (digits: number) => Array.from({ length: digits }, () => hex(next() * 16, 1)).join("");
  const variant = (8 + Math.floor(next() * 4)).toString(16);
  return `${ms.slice(0, 8)}-${ms.slice(8)}-7${randomHex(3)}-${variant}${randomHex(3)}-${randomHex(12)}`;
}

export async function seedDatabase(em: EntityManager, options: SeedOptions): Promise<{ users: number; orders: number; items: number }> {
  const next = random(options.seed ?? 1);
  const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)] as T;
  const db = em.getKysely();
  let time = (options.start ?? new Date("2024-01-01T00:00:00.000Z")).getTime();
  const batchSize = Math.max(1, Math.floor(5000 / Math.max(1, options.ordersPerUser)));
  let counts = { users: 0, orders: 0, items: 0 };

  for (let offset = 0; offset < options.users; offset += batchSize) {
    const users = { id: [] as string[], email: [] as string[], name: [] as string[], at: [] as string[] };
    const orders = { id: [] as string[], userId: [] as string[], status: [] as string[], currency: [] as string[], total: [] as number[], at: [] as string[] };
    const items = { id: [] as string[], orderId: [] as string[], position: [] as number[], sku: [] as string[], name: [] as string[], quantity: [] as number[], price: [] as number[] };

    for (let u = offset; u < Math.min(options.users, offset + batchSize); u++) {
      time += 1000 + Math.floor(next() * 60_000);
      const userId = uuidv7At(time, next);
      const [first, last] = [pick(FIRST), pick(LAST)];
      users.id.push(userId);
      users.email.push(`${first}.${last}.${u + 1}@example.com`.toLowerCase());
      users.name.push(`${first} ${last}`);
      users.at.push(new Date(time).toISOString());
      let orderTime = time;
      for (let o = 0; o < options.ordersPerUser; o++) {
        orderTime += 60_000 + Math.floor(next() * 86_400_000);
        const orderId = uuidv7At(orderTime, next);
        const currency = pick(SUPPORTED_CURRENCIES);
        let total = 0;
        for (let i = 0; i < options.itemsPerOrder; i++) {
          const quantity = 1 + Math.floor(next() * 5);
          const price = 99 + Math.floor(next() * 20_000);
          total += quantity * price;
          items.id.push(uuidv7At(orderTime, next));
          items.orderId.push(orderId);
          items.position.push(i);
          const product = pick(PRODUCTS);
          items.sku.push(`${product.slice(0, 3).toUpperCase()}-${1000 + Math.floor(next() * 9000)}`);
          items.name.push(product);
          items.quantity.push(quantity);
          items.price.push(price);
        }
        orders.id.push(orderId);
        orders.userId.push(userId);
        orders.status.push(pick(STATUSES));
        orders.currency.push(currency);
        orders.total.push(total);
        orders.at.push(new Date(orderTime).toISOString());
      }
    }

    await sql`
      insert into users (id, email, name, created_at, updated_at)
      select id, email, name, at, at from unnest(${users.id}::uuid[], ${users.email}::text[], ${users.name}::text[], ${users.at}::timestamptz[]) as t(id, email, name, at)
    `.execute(db);
    await sql`
      insert into orders (id, user_id, status, currency, total_cents, created_at, updated_at)
      select id, user_id, status, currency, total, at, at
      from unnest(${orders.id}::uuid[], ${orders.userId}::uuid[], ${orders.status}::text[], ${orders.currency}::text[], ${orders.total}::bigint[], ${orders.at}::timestamptz[])
        as t(id, user_id, status, currency, total, at)
    `.execute(db);
    await sql`
      insert into order_items (id, order_id, position, sku, name, quantity, unit_price_cents)
      select * from unnest(${items.id}::uuid[], ${items.orderId}::uuid[], ${items.position}::int[], ${items.sku}::text[], ${items.name}::text[], ${items.quantity}::int[], ${items.price}::bigint[])
    `.execute(db);
    counts = { users: counts.users + users.id.length, orders: counts.orders + orders.id.length, items: counts.items + items.id.length };
  }
  return counts;
}
