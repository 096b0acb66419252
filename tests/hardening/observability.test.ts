/** What operators see: one log line per operation, no personal data, and Prometheus metrics. */
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Instance } from "../../src/instance.ts";
import { startTestInstance } from "../support/instances.ts";
import { subscribe } from "../support/subscriber.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

let db: TestDatabase;
let instance: Instance;
const logs: Record<string, any>[] = [];
const EMAIL = "secret.person@example.com";
const TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

beforeAll(async () => {
  db = await createTestDatabase();
  instance = await startTestInstance({ databaseUrl: db.url, migrate: false, logLines: logs });
});
afterAll(async () => {
  await instance?.close();
  await db?.drop();
});

const send = (query: string, variables: Record<string, unknown>, operationName: string, headers: Record<string, string> = {}) =>
  fetch(instance.url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify({ query, variables, operationName }) });

const CREATE = `mutation CreateUser($email: String!) { createUser(input: { email: $email, name: "Secret Person" }) { user { id } errors { code } } }`;

it("logs one line per operation with its request id, name, type, duration, outcome and trace context", async () => {
  const response = await send(CREATE, { email: EMAIL }, "CreateUser", { "x-request-id": "obs-1", traceparent: TRACEPARENT });
  expect((await response.json()).data.createUser.errors).toEqual([]);
  const line = logs.find((entry) => entry.msg === "operation" && entry.requestId === "obs-1");
  expect(line).toMatchObject({ operation: "CreateUser", type: "mutation", outcome: "ok", traceparent: TRACEPARENT, level: 30 });
  expect(line?.durationMs).toBeGreaterThan(0);
});

it("never logs emails or other personal data, even from failures that quote them", async () => {
  await send(CREATE, { email: "Someone.Else@example.com" }, "CreateUser", { "x-request-id": "obs-2" });
  await db.orm.em.fork().execute("alter table users rename to users_gone");
  try {
    const failed = await (await send(CREATE, { email: "third.person@example.com" }, "CreateUser", { "x-request-id": "obs-3" })).json();
    expect(failed.errors[0].message).toBe("Unexpected error.");
  } finally {
    await db.orm.em.fork().execute("alter table users_gone rename to users");
  }
  const everything = JSON.stringify(logs);
  expect(logs.some((entry) => entry.requestId === "obs-3" && entry.msg === "unexpected error in a resolver")).toBe(true);
  for (const secret of [EMAIL, "secret.person", "Someone.Else", "third.person", "Secret Person"]) expect(everything).not.toContain(secret);
});

it("exposes Prometheus metrics for operations, WebSockets, the outbox and the pool", async () => {
  const sub = subscribe(instance.websocketUrl, "subscription Watch { userEvents { id } }");
  await sub.started;
  await expect
    .poll(async () => (await (await fetch(instance.url.replace("/graphql", "/metrics"))).text()).match(/graphql_active_subscriptions (\d+)/)?.[1])
    .toBe("1");
  const metrics = await (await fetch(instance.url.replace("/graphql", "/metrics"))).text();
  expect(metrics).toMatch(/graphql_operations_total\{operation="CreateUser",type="mutation",outcome="ok"\} [1-9]/);
  expect(metrics).toMatch(/graphql_operations_total\{operation="CreateUser",type="mutation",outcome="error"\} 1/);
  expect(metrics).toMatch(/graphql_operation_duration_seconds_bucket\{le="0.1",operation="CreateUser",type="mutation",outcome="ok"\}/);
  expect(metrics).toMatch(/graphql_websocket_connections 1/);
  expect(metrics).toMatch(/outbox_backlog_events \d+/);
  expect(metrics).toMatch(/outbox_relay_lag_seconds \d/);
  expect(metrics).toMatch(/outbox_dead_letter_events 0/);
  expect(metrics).toMatch(/db_pool_connections [1-9]/);
  expect(metrics).toMatch(/process_resident_memory_bytes \d+/);
  await sub.close();
});

it("answers liveness always and readiness with every check", async () => {
  const live = await fetch(instance.url.replace("/graphql", "/health/live"));
  expect(await live.json()).toEqual({ status: "ok" });
  const ready = await fetch(instance.url.replace("/graphql", "/health/ready"));
  expect(ready.status).toBe(200);
  expect(await ready.json()).toEqual({ status: "ready", ready: true, checks: { lifecycle: "ok", database: "ok", migrations: "ok" } });
});
