/** Per-caller limits on placeOrder and createUser, shared across instances through Redis. */
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Instance } from "../../src/instance.ts";
import type { RedisServers } from "../../src/options.ts";
import { bearer, customerToken } from "../support/auth.ts";
import { post, startTestInstance, uniqueChannelPrefix } from "../support/instances.ts";
import { redisForTests } from "../support/redis.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

let db: TestDatabase;
let redis: Awaited<ReturnType<typeof redisForTests>>;
const instances: Instance[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  redis = await redisForTests();
});
afterAll(async () => {
  await Promise.all(instances.map((instance) => instance.close()));
  await redis?.stop();
  await db?.drop();
});

const start = async (servers?: RedisServers, channelPrefix = uniqueChannelPrefix()) => {
  const instance = await startTestInstance({ databaseUrl: db.url, migrate: false, redis: servers, channelPrefix, rateLimits: { placeOrderPerMinute: 2, createUserPerMinute: 2 } });
  instances.push(instance);
  return instance;
};

const send = async (instance: Instance, query: string, authorization?: string) => {
  const response = await fetch(instance.url, { method: "POST", headers: { "content-type": "application/json", ...(authorization ? { authorization } : {}) }, body: JSON.stringify({ query }) });
  return (await response.json()) as { data?: any; errors?: { message: string; extensions: { code: string; retryAfterSeconds?: number } }[] };
};

const signUp = (n: number) => `mutation { createUser(input: { email: "limit${n}-${Math.random()}@example.com", name: "L" }) { errors { code } } }`;

it("limits sign-ups per address, then answers RATE_LIMITED with a retry hint", async () => {
  const instance = await start();
  expect((await send(instance, signUp(1))).data.createUser.errors).toEqual([]);
  expect((await send(instance, signUp(2))).data.createUser.errors).toEqual([]);
  const limited = await send(instance, signUp(3));
  expect(limited.errors?.[0]?.extensions).toMatchObject({ code: "RATE_LIMITED", retryAfterSeconds: expect.any(Number) });
  expect(limited.errors?.[0]?.extensions.retryAfterSeconds).toBeGreaterThan(0);
  expect(limited.errors?.[0]?.message).toMatch(/retry in \d+ s/);
});

it("tells anonymous callers apart by X-Forwarded-For when told to trust the proxy in front", async () => {
  const instance = await startTestInstance({ databaseUrl: db.url, migrate: false, trustedProxyHops: 1, rateLimits: { placeOrderPerMinute: 1, createUserPerMinute: 1 } });
  instances.push(instance);
  const from = async (address: string) =>
    (await (await fetch(instance.url, { method: "POST", headers: { "content-type": "application/json", "x-forwarded-for": `203.0.113.9, ${address}` }, body: JSON.stringify({ query: signUp(9) }) })).json()) as { data?: any; errors?: any[] };
  expect((await from("198.51.100.1")).data?.createUser.errors).toEqual([]);
  expect((await from("198.51.100.2")).data?.createUser.errors).toEqual([]);
  expect((await from("198.51.100.1")).errors?.[0]?.extensions.code).toBe("RATE_LIMITED");
});

it("limits orders per user, across instances sharing Redis, without affecting other users", async () => {
  const prefix = uniqueChannelPrefix();
  const [a, b] = [await start(redis.servers, prefix), await start(redis.servers, prefix)];
  const create = async (email: string) => (await post(a, `mutation { createUser(input: { email: "${email}", name: "O" }) { user { id } } }`)).createUser.user.id as string;
  const [carol, dave] = [await create("carol-limits@example.com"), await create("dave-limits@example.com")];
  const tokenOf = async (id: string) => bearer(await customerToken(Buffer.from(id, "base64url").toString("utf8").split(":")[1]!));
  const place = (userId: string) => `mutation { placeOrder(input: { userId: "${userId}", currency: "USD", items: [{ sku: "R", name: "R", quantity: 1, unitPriceCents: 1 }] }) { order { id } errors { code } } }`;
  const carolToken = await tokenOf(carol);
  expect((await send(a, place(carol), carolToken)).data.placeOrder.errors).toEqual([]);
  expect((await send(b, place(carol), carolToken)).data.placeOrder.errors).toEqual([]);
  expect((await send(a, place(carol), carolToken)).errors?.[0]?.extensions.code).toBe("RATE_LIMITED");
  expect((await send(b, place(dave), await tokenOf(dave))).data.placeOrder.errors).toEqual([]);
  const [row] = await db.orm.em.fork().execute<{ n: number }[]>("select count(*)::int as n from orders");
  expect(row?.n).toBe(3);
});
