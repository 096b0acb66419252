import { randomBytes } from "node:crypto";
import { pino } from "pino";
import { startInstance, type Instance, type InstanceOptions } from "../../src/instance.ts";
import { ADMIN_AUTHORIZATION, TEST_AUTH } from "./auth.ts";
import { GENEROUS_RATE_LIMITS } from "./test-app.ts";

/** A unique channel prefix, so test files sharing one Redis never see each other's events. */
export const uniqueChannelPrefix = () => `test-${randomBytes(4).toString("hex")}`;

/** A real instance on a free port, quiet unless LOG_LEVEL is set. */
export function startTestInstance({ logLines: lines, ...options }: Omit<InstanceOptions, "logger" | "port" | "auth"> & { logLines?: Record<string, unknown>[]; auth?: InstanceOptions["auth"] }): Promise<Instance> {
  const logger = lines
    ? pino({ level: "debug" }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) })
    : pino({ level: process.env.LOG_LEVEL ?? "silent" });
  return startInstance({ port: 0, graphiql: true, relay: { pollIntervalMs: 200 }, auth: TEST_AUTH, rateLimits: GENEROUS_RATE_LIMITS, ...options, logger });
}

/** An operation as an administrator (or with `authorization`), returning `data`; throws on errors. */
export async function post<T = any>(instance: Instance, query: string, variables: Record<string, unknown> = {}, authorization = ADMIN_AUTHORIZATION): Promise<T> {
  const response = await fetch(instance.url, { method: "POST", headers: { "content-type": "application/json", authorization }, body: JSON.stringify({ query, variables }) });
  const body = (await response.json()) as { data?: T; errors?: unknown[] };
  if (body.errors) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors)}`);
  return body.data as T;
}

export const CREATE_USER = `mutation($email: String!) { createUser(input: { email: $email, name: "Subscriber" }) { user { id } errors { code } } }`;
export const PLACE_ORDER = `mutation($userId: ID!) { placeOrder(input: { userId: $userId, currency: "USD", items: [{ sku: "A", name: "A", quantity: 1, unitPriceCents: 500 }] }) { order { id } errors { code } } }`;
export const CONFIRM_ORDER = `mutation($id: ID!) { confirmOrder(input: { id: $id }) { order { id status } errors { code } } }`;
export const SHIP_ORDER = `mutation($id: ID!) { shipOrder(input: { id: $id }) { order { id status } errors { code } } }`;
export const CANCEL_ORDER = `mutation($id: ID!) { cancelOrder(input: { id: $id }) { order { id status } errors { code } } }`;

export async function createUser(instance: Instance, email: string): Promise<string> {
  const data = await post<{ createUser: { user: { id: string } } }>(instance, CREATE_USER, { email });
  return data.createUser.user.id;
}

export async function placeOrder(instance: Instance, userId: string): Promise<string> {
  const data = await post<{ placeOrder: { order: { id: string } } }>(instance, PLACE_ORDER, { userId });
  return data.placeOrder.order.id;
}

/** The raw UUID inside a global ID. */
export const rawId = (globalId: string) => Buffer.from(globalId, "base64url").toString("utf8").split(":")[1]!;

/** Waits until the relay has published every event committed so far. */
export async function outboxDrained(instance: Instance, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [row] = await instance.orm.em.fork().execute<{ count: number }[]>("select count(*)::int as count from outbox_events where published_at is null");
    if (row?.count === 0) return;
    if (Date.now() > deadline) throw new Error(`${row?.count} events still unpublished after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
