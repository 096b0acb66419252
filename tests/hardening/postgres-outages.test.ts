/**
 * PostgreSQL away at startup or restarted while serving: clear errors and 503 readiness while
 * it is down, recovery without restarting the server once it is back. Uses a throwaway
 * embedded PostgreSQL of its own, never the shared server.
 */
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "../../src/infra/embedded-postgres.ts";
import type { Instance } from "../../src/instance.ts";
import { ADMIN_AUTHORIZATION } from "../support/auth.ts";
import { startTestInstance } from "../support/instances.ts";
import { freePort } from "../support/redis.ts";
import { priced } from "../support/test-app.ts";

const dir = `.data/outage-${randomBytes(4).toString("hex")}`;
let port: number;
let postgres: EmbeddedDatabase;
let instance: Instance;
const logs: Record<string, any>[] = [];

beforeAll(async () => {
  port = await freePort();
});
afterAll(async () => {
  await instance?.close();
  await postgres?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const ready = async () => {
  const response = await fetch(instance.url.replace("/graphql", "/health/ready"));
  return { status: response.status, body: (await response.json()) as { checks: Record<string, string> } };
};
const query = async () => {
  const response = await fetch(instance.url, { method: "POST", headers: { "content-type": "application/json", authorization: ADMIN_AUTHORIZATION }, body: JSON.stringify({ query: "{ users { totalCount } }" }) });
  return { status: response.status, body: (await response.json()) as { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] } };
};

it("waits for a database that is not there yet, answering 503 meanwhile, and serves once it is", async () => {
  const url = `postgres://ordergraph:ordergraph@127.0.0.1:${port}/ordergraph`;
  instance = await startTestInstance({ databaseUrl: url, waitUntilReady: false, logLines: logs });

  const starting = await ready();
  expect(starting.status).toBe(503);
  expect(starting.body.checks.database).not.toBe("ok");
  const refused = await query();
  expect(refused.status).toBe(503);
  expect(refused.body.errors?.[0]?.extensions?.code).toBe("SERVICE_UNAVAILABLE");
  await expect.poll(() => logs.some((line) => String(line.msg).startsWith("cannot start yet")), { timeout: 5000 }).toBe(true);
  expect(JSON.stringify(logs)).not.toMatch(/\n\s+at /);

  postgres = await startEmbeddedPostgres({ dir, port, database: "ordergraph" });
  await instance.ready;
  expect((await ready()).status).toBe(200);
  expect((await query()).body).toEqual(priced({ data: { users: { totalCount: 0 } } }));
}, 60_000);

it("fails requests cleanly while PostgreSQL restarts, and recovers without a server restart", async () => {
  await postgres.stop();
  const down = await query();
  expect(down.body.errors?.[0]).toMatchObject({ extensions: { code: "SERVICE_UNAVAILABLE", retryAfterSeconds: expect.any(Number) } });
  expect((await ready()).status).toBe(503);

  await postgres.restart();
  await expect.poll(async () => (await query()).body, { timeout: 10_000, interval: 200 }).toEqual(priced({ data: { users: { totalCount: 0 } } }));
  await expect.poll(async () => (await ready()).status, { timeout: 10_000, interval: 200 }).toBe(200);
  const created = await fetch(instance.url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: ADMIN_AUTHORIZATION },
    body: JSON.stringify({ query: `mutation { createUser(input: { email: "back@example.com", name: "Back" }) { errors { code } } }` }),
  });
  expect(await created.json()).toEqual(priced({ data: { createUser: { errors: [] } } }));
}, 60_000);
