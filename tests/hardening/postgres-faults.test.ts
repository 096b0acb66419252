/**
 * PostgreSQL restarted, crashed, its sessions killed, frozen and overloaded while clients keep
 * writing, on a cluster of the test's own. After each fault the instance serves a query and a
 * mutation within seconds, without a process restart, and the pool's numbers in /metrics match
 * the sessions PostgreSQL sees; while PostgreSQL does not answer, every request gets a
 * documented error within a bounded time, and readiness and metrics still answer.
 */
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Instance } from "../../src/instance.ts";
import { ADMIN_AUTHORIZATION } from "../support/auth.ts";
import { PLACE_ORDER, startTestInstance } from "../support/instances.ts";
import { startPostgresCluster, type PostgresCluster } from "../support/postgres-cluster.ts";
import { startServerProcess } from "../support/server-process.ts";
import { priced } from "../support/test-app.ts";

const OPERATION_TIMEOUT_MS = 2000;
const POOL_SIZE = 4;
const QUEUE_LIMIT = 6;

let cluster: PostgresCluster;
let instance: Instance;
let userId: string;
const logs: Record<string, any>[] = [];

beforeAll(async () => {
  cluster = await startPostgresCluster({ migrate: true });
  instance = await startTestInstance({
    databaseUrl: cluster.url(),
    migrate: false,
    poolSize: POOL_SIZE,
    poolQueueLimit: QUEUE_LIMIT,
    connectTimeoutMs: 1000,
    operationTimeoutMs: OPERATION_TIMEOUT_MS,
    logLines: logs,
  });
  const created = await graphql(`mutation { createUser(input: { email: "writer@example.com", name: "Writer" }) { user { id } } }`);
  userId = created.body.data.createUser.user.id;
}, 60_000);
afterAll(async () => {
  await instance?.close();
  await cluster?.destroy();
});

interface Answer {
  status: number;
  body: { data?: any; errors?: { message: string; extensions?: { code?: string; retryAfterSeconds?: number } }[] };
  ms: number;
}

async function graphql(query: string, variables: Record<string, unknown> = {}): Promise<Answer> {
  const started = Date.now();
  const response = await fetch(instance.url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: ADMIN_AUTHORIZATION },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, body: (await response.json()) as Answer["body"], ms: Date.now() - started };
}

const placeOrder = () => graphql(PLACE_ORDER, { userId });
const readOrders = () => graphql(`{ orders(first: 5) { totalCount nodes { id } } }`);
const codesOf = (answer: Answer) => (answer.body.errors ?? []).map((error) => error.extensions?.code ?? "?");

/** Clients placing orders until stopped; counts what they got back. */
function writers(count: number) {
  let running = true;
  const outcomes: Record<string, number> = {};
  const loops = Array.from({ length: count }, async () => {
    while (running) {
      const answer: Answer = await placeOrder().catch((error: Error) => ({ status: 0, body: { errors: [{ message: error.message, extensions: { code: "NETWORK" } }] }, ms: 0 }));
      const outcome = answer.body.data?.placeOrder?.order ? "ok" : codesOf(answer).join(",") || "?";
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    }
  });
  return {
    outcomes,
    async stop() {
      running = false;
      await Promise.all(loops);
      return outcomes;
    },
  };
}

const metric = async (name: string) => {
  const text = await (await fetch(instance.url.replace("/graphql", "/metrics"))).text();
  return Number(new RegExp(`^${name} (\\S+)$`, "m").exec(text)?.[1]);
};

/** The instance serves again: a query and a mutation succeed, and the pool matches PostgreSQL. */
async function servesAgain(withinMs = 10_000) {
  const until = Date.now() + withinMs;
  let last: Answer | undefined;
  for (; Date.now() < until; await sleep(100)) {
    last = await readOrders();
    if (last.body.data?.orders) break;
  }
  expect(last?.body.errors).toBeUndefined();
  const placed = await placeOrder();
  expect(placed.body.data?.placeOrder?.order?.id).toBeTruthy();
  await expect.poll(() => metric("db_pool_waiting_requests")).toBe(0);
  await expect.poll(async () => (await metric("db_pool_connections")) - (await metric("db_pool_idle_connections"))).toBe(0);
  await expect.poll(async () => (await cluster.sessions("ordergraph")) === (await metric("db_pool_connections")), { timeout: 5000 }).toBe(true);
  expect((await fetch(instance.url.replace("/graphql", "/health/ready"))).status).toBe(200);
}

/** A session of the test's own that has begun a transaction and run `statement` (to hold a lock). */
async function holding(statement: string, on: PostgresCluster = cluster): Promise<{ release(verb?: "commit" | "rollback"): Promise<void> }> {
  const client = new pg.Client({ connectionString: on.url() });
  await client.connect();
  await client.query("begin");
  await client.query(statement);
  return {
    async release(verb = "commit") {
      await client.query(verb).catch(() => {});
      await client.end().catch(() => {});
    },
  };
}

const EXPECTED_DURING_FAULTS = new Set(["ok", "SERVICE_UNAVAILABLE", "OPERATION_TIMEOUT"]);

it("recovers by itself from fast and immediate restarts while clients write", async () => {
  const load = writers(4);
  for (const mode of ["fast", "immediate", "immediate", "fast", "immediate", "immediate"] as const) {
    await sleep(400);
    await cluster.restart(mode);
  }
  await sleep(500);
  const outcomes = await load.stop();
  expect(outcomes.ok).toBeGreaterThan(0);
  expect(Object.keys(outcomes).filter((outcome) => !EXPECTED_DURING_FAULTS.has(outcome))).toEqual([]);
  await servesAgain();
}, 90_000);

it("recovers when its sessions are killed while clients write", async () => {
  const load = writers(4);
  for (let round = 0; round < 4; round++) {
    await sleep(300);
    await cluster.terminate("ordergraph");
  }
  await sleep(300);
  const outcomes = await load.stop();
  expect(Object.keys(outcomes).filter((outcome) => !EXPECTED_DURING_FAULTS.has(outcome))).toEqual([]);
  await servesAgain();
}, 60_000);

it("answers within its time limits while PostgreSQL is frozen, and commits nothing late", async () => {
  const [before] = await cluster.query<{ count: number }>("select count(*)::int as count from orders");
  await cluster.pause();
  try {
    // The time limit, the grace the database gets to answer a cancel, and slack for this machine.
    const bound = OPERATION_TIMEOUT_MS + 2000 + 2500;
    const [mutation, query, ready, metrics] = await Promise.all([
      placeOrder(),
      readOrders(),
      (async () => {
        const started = Date.now();
        const response = await fetch(instance.url.replace("/graphql", "/health/ready"));
        return { status: response.status, ms: Date.now() - started };
      })(),
      (async () => {
        const started = Date.now();
        const response = await fetch(instance.url.replace("/graphql", "/metrics"));
        return { status: response.status, ms: Date.now() - started };
      })(),
    ]);
    expect(codesOf(mutation)).toEqual([expect.stringMatching(/^(OPERATION_TIMEOUT|SERVICE_UNAVAILABLE)$/)]);
    expect(mutation.ms).toBeLessThan(bound);
    expect(codesOf(query)).toEqual([expect.stringMatching(/^(OPERATION_TIMEOUT|SERVICE_UNAVAILABLE)$/)]);
    expect(query.ms).toBeLessThan(bound);
    expect(ready).toMatchObject({ status: 503 });
    expect(ready.ms).toBeLessThan(3500);
    expect(metrics).toMatchObject({ status: 200 });
    expect(metrics.ms).toBeLessThan(3500);
    // The operation log records the code the client got, not an unknown failure.
    const logged = logs.filter((line) => line.msg === "operation" && line.outcome === "error").at(-1);
    expect(logged?.errorCodes).toEqual([expect.stringMatching(/^(OPERATION_TIMEOUT|SERVICE_UNAVAILABLE)$/)]);
  } finally {
    await cluster.resume();
  }
  await servesAgain();
  // Only the order servesAgain placed: the one that timed out during the freeze never commits.
  await sleep(1000);
  const [after] = await cluster.query<{ count: number }>("select count(*)::int as count from orders");
  expect(after!.count - before!.count).toBe(1);
}, 60_000);

it("sheds load it cannot serve instead of queuing it, and serves the rest", async () => {
  // Hold every orders query on a lock: the pool fills, the queue fills, the rest is refused.
  const blocker = await holding("lock table orders in access exclusive mode");
  try {
    const callers = Array.from({ length: 40 }, () => readOrders());
    await sleep(300);
    const ready = await fetch(instance.url.replace("/graphql", "/health/ready"));
    expect(ready.status).toBe(200);
    await sleep(500);
    await blocker.release();
    const answers = await Promise.all(callers);
    const refused = answers.filter((answer) => codesOf(answer).includes("SERVICE_UNAVAILABLE"));
    const served = answers.filter((answer) => answer.body.data?.orders);
    // Pool plus queue run (all waiting on the lock); the rest are refused at once, before any SQL.
    expect(served.length).toBe(POOL_SIZE + QUEUE_LIMIT);
    expect(refused.length).toBe(40 - POOL_SIZE - QUEUE_LIMIT);
    expect(refused.every((answer) => answer.body.errors![0]!.extensions!.retryAfterSeconds! > 0 && answer.ms < 1000)).toBe(true);
  } finally {
    await blocker.release();
  }
  await servesAgain();
}, 60_000);

it("stops waiting for a connection at the deadline: a timed-out query never runs", async () => {
  const blocker = await holding("lock table orders in access exclusive mode");
  try {
    // One statement each; one queue place is left for the outbox relay.
    const callers = Array.from({ length: POOL_SIZE + QUEUE_LIMIT - 1 }, () => graphql(`{ orders(first: 5) { nodes { id } } }`));
    const answers = await Promise.all(callers);
    // Running statements are cancelled at the deadline (OPERATION_TIMEOUT); waits for a
    // connection end at DATABASE_CONNECT_TIMEOUT_MS or the deadline, whichever comes first.
    const codes = answers.map((answer) => codesOf(answer).join());
    expect(codes.filter((code) => code === "OPERATION_TIMEOUT").length).toBeGreaterThanOrEqual(POOL_SIZE - 1);
    expect(codes.filter((code) => code !== "OPERATION_TIMEOUT" && code !== "SERVICE_UNAVAILABLE")).toEqual([]);
    // While the lock is still held: the running statements were cancelled (the cancels land
    // within moments of the deadline), and nothing that waited for a connection started.
    const active = async () =>
      (await cluster.query<{ count: number }>("select count(*)::int as count from pg_stat_activity where application_name = 'ordergraph' and state = 'active'"))[0]!.count;
    await expect.poll(active, { timeout: 2000, interval: 50 }).toBe(0);
    await sleep(300);
    expect(await active()).toBe(0);
  } finally {
    await blocker.release();
  }
  await servesAgain();
}, 60_000);

it("never reuses a connection a cancel request was sent for (a late cancel would hit the next statement)", async () => {
  const blocker = await holding("lock table orders in access exclusive mode");
  let cancelledPid: number | undefined;
  try {
    const answer = graphql(`{ orders(first: 1) { nodes { id } } }`);
    await expect
      .poll(async () => (cancelledPid = (await cluster.query<{ pid: number }>("select pid from pg_stat_activity where application_name = 'ordergraph' and wait_event_type = 'Lock'"))[0]?.pid))
      .toBeDefined();
    expect(codesOf(await answer)).toEqual(["OPERATION_TIMEOUT"]);
    // The query's answer is abandoned at the deadline in the same instant the cancel goes out;
    // hold the lock until the cancel has surely reached the statement, or the statement could
    // finish normally (and its connection rightly be reused).
    await expect
      .poll(async () => (await cluster.query<{ waiting: boolean }>("select wait_event_type = 'Lock' as waiting from pg_stat_activity where pid = $1", [cancelledPid]))[0]?.waiting ?? false)
      .toBe(false);
  } finally {
    await blocker.release();
  }
  // The session that ran the cancelled statement is closed; the pool opens new ones.
  await expect.poll(async () => (await cluster.query("select 1 from pg_stat_activity where pid = $1", [cancelledPid])).length, { timeout: 5000 }).toBe(0);
  await servesAgain();
}, 30_000);

it("answers readiness and metrics in time while the outbox tables are locked, without piling up sessions", async () => {
  const blocker = await holding("lock table outbox_dead_letters in access exclusive mode");
  try {
    for (let round = 0; round < 6; round++) {
      const started = Date.now();
      const [ready, metrics] = await Promise.all(
        ["/health/ready", "/metrics"].map((path) => fetch(instance.url.replace("/graphql", path)).then(async (response) => ({ status: response.status, body: await response.text() }))),
      );
      expect(Date.now() - started).toBeLessThan(2500);
      expect(ready!.status).toBe(200);
      expect(metrics!.status).toBe(200);
    }
    expect(await cluster.sessions("ordergraph-monitor")).toBeLessThanOrEqual(1);
  } finally {
    await blocker.release();
  }
}, 30_000);

it("starts serving once PostgreSQL is back when the session applying its first migration dies mid-migration", async () => {
  const fresh = await startPostgresCluster();
  try {
    // Another session holds the name of the first table the migration creates, so the migration
    // waits mid-transaction (its bookkeeping table already created in it); then its session dies.
    const blocker = await holding("create table users (id int)", fresh);
    const starting = await startTestInstance({ databaseUrl: fresh.url(), waitUntilReady: false, connectTimeoutMs: 1000 });
    try {
      await expect.poll(async () => (await fresh.query<{ n: number }>("select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock'"))[0]!.n, { timeout: 10_000 }).toBeGreaterThan(0);
      await fresh.terminate("ordergraph");
      await blocker.release("rollback");
      await Promise.race([starting.ready, sleep(15_000).then(() => Promise.reject(new Error("never became ready")))]);
      const response = await fetch(starting.url, { method: "POST", headers: { "content-type": "application/json", authorization: ADMIN_AUTHORIZATION }, body: JSON.stringify({ query: "{ users { totalCount } }" }) });
      expect(await response.json()).toEqual(priced({ data: { users: { totalCount: 0 } } }));
    } finally {
      await starting.close();
    }
  } finally {
    await fresh.destroy();
  }
}, 60_000);

it("on SIGTERM while PostgreSQL is frozen, still exits 0 within SHUTDOWN_TIMEOUT_MS", async () => {
  const server = startServerProcess({ DATABASE_URL: cluster.url(), SHUTDOWN_TIMEOUT_MS: "5000", OPERATION_TIMEOUT_MS: "2000", DATABASE_POOL_SIZE: "4" });
  const url = await server.ready;
  const query = () =>
    fetch(url, { method: "POST", headers: { "content-type": "application/json", authorization: ADMIN_AUTHORIZATION }, body: JSON.stringify({ query: "{ orders(first: 1) { nodes { id } } }" }) })
      .then((response) => response.status)
      .catch(() => 0);
  expect(await query()).toBe(200);
  await cluster.pause();
  try {
    const inFlight = query(); // waits on the frozen database
    await sleep(200);
    const signalled = Date.now();
    server.child.kill("SIGTERM");
    expect(await server.exited).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(6000);
    expect(await inFlight).toBe(200); // answered (with OPERATION_TIMEOUT), not cut
    expect(server.output.join("\n")).not.toMatch(/killed by timeout/);
  } finally {
    await cluster.resume();
  }
  await servesAgain();
}, 30_000);

it("answers a mutation blocked on row locks with the documented, retryable OPERATION_TIMEOUT", async () => {
  const blocker = await holding("select 1 from users for update");
  try {
    const answer = await graphql(`mutation($id: ID!) { updateUser(input: { id: $id, name: "Blocked" }) { user { name } errors { code } } }`, { id: userId });
    expect(codesOf(answer)).toEqual(["OPERATION_TIMEOUT"]);
    expect(answer.ms).toBeLessThan(OPERATION_TIMEOUT_MS + 2000 + 1500);
  } finally {
    await blocker.release("rollback");
  }
  const retried = await graphql(`mutation($id: ID!) { updateUser(input: { id: $id, name: "Blocked" }) { user { name } errors { code } } }`, { id: userId });
  expect(retried.body.data?.updateUser).toEqual({ user: { name: "Blocked" }, errors: [] });
}, 30_000);


it("keeps serving after a migration changes a column's type under it (its prepared statements' cached plans go stale)", async () => {
  const USERS = "{ users(first: 5) { nodes { id name } } }";
  const all = () => Promise.all(Array.from({ length: POOL_SIZE * 2 }, () => graphql(USERS)));
  // Every pool connection prepares the page's statement.
  for (const answer of await all()) expect(answer.body.errors).toBeUndefined();
  const change = await holding("alter table users alter column name type varchar(500)");
  await change.release();
  for (let round = 0; round < 3; round++) {
    for (const answer of await all()) expect(answer.body.errors, JSON.stringify(answer.body.errors)).toBeUndefined();
  }
  // A write in a transaction that met a stale plan fails once at most; a retry gets a fresh connection.
  let placed = false;
  for (let attempt = 0; attempt < POOL_SIZE + 1 && !placed; attempt++) {
    const answer = await graphql(PLACE_ORDER, { userId });
    placed = answer.body.data?.placeOrder?.order?.id !== undefined;
  }
  expect(placed).toBe(true);
});
