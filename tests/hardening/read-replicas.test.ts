/**
 * Read replicas against a real streaming replica the test starts (pg_basebackup -R from its own
 * primary, on its own port), with every statement counted per server: queries read the replica;
 * mutations, their answers and subscription events the primary, so a client sees its own write
 * even while the replica lags; lag shows in /metrics; a replica that goes away sends its reads to
 * the primary (logged once) and takes them again when it is back.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Instance } from "../../src/instance.ts";
import { ADMIN_AUTHORIZATION } from "../support/auth.ts";
import { createUser, outboxDrained, placeOrder, post, rawId, startTestInstance, CONFIRM_ORDER } from "../support/instances.ts";
import { startPostgresCluster, type PostgresCluster } from "../support/postgres-cluster.ts";
import { subscribe } from "../support/subscriber.ts";

let primary: PostgresCluster;
let replica: PostgresCluster;
let instance: Instance;
const statements: Record<string, string[]> = {};
const logLines: Record<string, unknown>[] = [];

beforeAll(async () => {
  primary = await startPostgresCluster({ migrate: true });
  replica = await startPostgresCluster({ replicaOf: primary });
  instance = await startTestInstance({
    databaseUrl: primary.url(),
    databaseReplicaUrls: [replica.url()],
    migrate: false,
    logLines,
    onStatement: (sql, server) => (statements[server] ??= []).push(sql),
  });
}, 60_000);
afterAll(async () => {
  await instance?.close();
  await replica?.destroy();
  await primary?.destroy();
});

/**
 * Statements per server during `work`, leaving out the outbox relay's (it publishes and polls on
 * the primary all the time, whatever the requests do).
 */
async function counted(work: () => Promise<unknown>): Promise<Record<string, number>> {
  for (const server of Object.keys(statements)) statements[server]!.length = 0;
  await work();
  const ofRequests = (sql: string) => !/outbox|pg_try_advisory|pg_advisory_unlock|^(begin|commit|rollback)\b/i.test(sql.trim());
  return Object.fromEntries(Object.entries(statements).map(([server, list]) => [server, list.filter(ofRequests).length]));
}

/** Waits until the replica has replayed everything the primary committed so far. */
async function replicaCaughtUp() {
  const [current] = await primary.query<{ lsn: string }>("select pg_current_wal_insert_lsn()::text as lsn");
  await expect
    .poll(async () => (await replica.query<{ done: boolean }>("select pg_last_wal_replay_lsn() >= $1::pg_lsn as done", [current!.lsn]))[0]?.done, { timeout: 10_000, interval: 50 })
    .toBe(true);
}

const metric = async (name: string) => {
  const text = await (await fetch(instance.url.replace("/graphql", "/metrics"))).text();
  const match = new RegExp(`^${name}\\{replica="replica-1"\\} ([0-9.e+-]+)$`, "m").exec(text);
  return match ? Number(match[1]) : null;
};

const NAME_OF = `query($id: ID!) { user(id: $id) { name } }`;
const RENAME = `mutation($id: ID!, $name: String!) { updateUser(input: { id: $id, name: $name }) { user { name } errors { code } } }`;

it("reads queries from the replica and runs mutations, with their answers, on the primary", async () => {
  let userId = "";
  const mutation = await counted(async () => (userId = await createUser(instance, "replica-reader@example.com")));
  expect(mutation.primary).toBeGreaterThan(0);
  expect(mutation["replica-1"] ?? 0).toBe(0);

  await replicaCaughtUp();
  await expect.poll(() => metric("db_replica_up"), { timeout: 10_000, interval: 100 }).toBe(1);
  const query = await counted(() => post(instance, `{ users(first: 10) { totalCount nodes { id email orders(first: 2) { totalCount nodes { id } } } } }`));
  expect(query["replica-1"]).toBeGreaterThanOrEqual(2);
  expect(query.primary ?? 0).toBe(0);
  expect((await post(instance, NAME_OF, { id: userId })).user.name).toBe("Subscriber");
});

it("answers a mutation with its own write while the replica lags, and later queries catch up", async () => {
  const userId = await createUser(instance, "replica-lag@example.com");
  await replicaCaughtUp();
  // Quiet for a while first: the lag must count from the write, not from the last transaction replayed.
  await new Promise((resolve) => setTimeout(resolve, 4000));
  await replica.query("select pg_wal_replay_pause()");
  try {
    const renamed = await post(instance, RENAME, { id: userId, name: "Renamed" });
    expect(renamed.updateUser).toEqual({ user: { name: "Renamed" }, errors: [] });
    // The replica has not replayed it yet: a query still reads the old name there.
    expect((await post(instance, NAME_OF, { id: userId })).user.name).toBe("Subscriber");
    await expect.poll(() => metric("db_replica_lag_seconds"), { timeout: 5000, interval: 100 }).toBeGreaterThan(0);
    expect(await metric("db_replica_lag_seconds")).toBeLessThan(3);
  } finally {
    await replica.query("select pg_wal_replay_resume()");
  }
  await expect.poll(async () => (await post(instance, NAME_OF, { id: userId })).user.name, { timeout: 10_000, interval: 50 }).toBe("Renamed");
  await expect.poll(() => metric("db_replica_lag_seconds"), { timeout: 5000, interval: 100 }).toBe(0);
});

it("resolves subscription events on the primary, so an event never shows the replica's older row", async () => {
  const userId = await createUser(instance, "replica-events@example.com");
  const orderId = await placeOrder(instance, userId);
  await outboxDrained(instance);
  await replicaCaughtUp();
  const sub = subscribe<{ orderEvents: { type: string; order: { id: string; status: string } } }>(
    instance.websocketUrl,
    `subscription($orderId: ID) { orderEvents(orderId: $orderId) { type order { id status } } }`,
    { orderId },
    ADMIN_AUTHORIZATION,
  );
  await sub.started;
  await new Promise((resolve) => setTimeout(resolve, 150));
  await replica.query("select pg_wal_replay_pause()");
  try {
    await post(instance, CONFIRM_ORDER, { id: orderId });
    const [event] = await sub.waitFor(1);
    expect(event!.orderEvents).toEqual({ type: "ORDER_CONFIRMED", order: { id: orderId, status: "CONFIRMED" } });
  } finally {
    await replica.query("select pg_wal_replay_resume()");
    await sub.close();
  }
  expect(rawId(orderId)).toMatch(/^[0-9a-f-]{36}$/);
});

it("sends a stopped replica's reads to the primary, logged once, and reads it again once it is back", async () => {
  const userId = await createUser(instance, "replica-outage@example.com");
  await replicaCaughtUp();
  logLines.length = 0;
  await replica.stop("fast");
  try {
    const during = await counted(async () => {
      for (let i = 0; i < 10; i++) expect((await post(instance, NAME_OF, { id: userId })).user.name).toBe("Subscriber");
    });
    expect(during.primary).toBeGreaterThanOrEqual(10);
    expect(logLines.filter((line) => /replica replica-1 is unreachable/.test(String(line.msg)))).toHaveLength(1);
    expect(await metric("db_replica_up")).toBe(0);
    // Readiness reports the replica's last check (once a second), and stays ready.
    await expect
      .poll(async () => {
        const ready = await fetch(instance.url.replace("/graphql", "/health/ready"));
        return `${ready.status} ${((await ready.json()) as { checks: Record<string, string> }).checks["replica-1"]}`;
      }, { timeout: 5000, interval: 100 })
      .toMatch(/^200 degraded/);
  } finally {
    await replica.start();
  }
  // Skipped for 5 s, then tried again and used.
  await expect
    .poll(async () => (await counted(() => post(instance, NAME_OF, { id: userId })))["replica-1"] ?? 0, { timeout: 15_000, interval: 250 })
    .toBeGreaterThan(0);
  expect(logLines.filter((line) => /replica replica-1 answers again/.test(String(line.msg)))).toHaveLength(1);
  expect(await metric("db_replica_up")).toBe(1);
}, 40_000);

it("takes a frozen replica out within seconds: its reads fail over to the primary and nothing is refused", async () => {
  const userId = await createUser(instance, "replica-frozen@example.com");
  const renamedId = await createUser(instance, "replica-frozen-renamed@example.com");
  await replicaCaughtUp();
  // Taking reads (after the previous test's outage, once its retry has found it back).
  await expect
    .poll(async () => (await counted(() => post(instance, NAME_OF, { id: userId })))["replica-1"] ?? 0, { timeout: 20_000, interval: 250 })
    .toBeGreaterThan(0);
  logLines.length = 0;
  await replica.pause();
  try {
    // Reads all through the freeze, and a mutation in the middle: every one answered, none near its deadline.
    const timed = async (work: () => Promise<unknown>) => {
      const started = Date.now();
      await work();
      return Date.now() - started;
    };
    const reads = Array.from({ length: 16 }, (_, i) =>
      new Promise((resolve) => setTimeout(resolve, i * 200)).then(() => timed(async () => expect((await post(instance, NAME_OF, { id: userId })).user.name).toBe("Subscriber"))),
    );
    const mutation = new Promise((resolve) => setTimeout(resolve, 1000)).then(() => timed(() => post(instance, RENAME, { id: renamedId, name: "Frozen" })));
    const durations = await Promise.all([...reads, mutation]);
    // Far below the 10 s deadline they would otherwise wait for: the watch takes it out within
    // ~3 s (two checks unanswered), a read opening a connection to it gives up at the 5 s connect timeout.
    expect(Math.max(...durations)).toBeLessThan(7000);
    expect(await metric("db_replica_up")).toBe(0);
    expect(logLines.filter((line) => /replica replica-1 is unreachable/.test(String(line.msg)))).toHaveLength(1);
    // Readiness answers from the last check, at once, frozen replica or not.
    const asked = Date.now();
    const ready = await fetch(instance.url.replace("/graphql", "/health/ready"));
    expect(Date.now() - asked).toBeLessThan(500);
    expect(((await ready.json()) as { checks: Record<string, string> }).checks["replica-1"]).toMatch(/^degraded/);
  } finally {
    await replica.resume();
  }
  await expect
    .poll(async () => (await counted(() => post(instance, NAME_OF, { id: userId })))["replica-1"] ?? 0, { timeout: 20_000, interval: 250 })
    .toBeGreaterThan(0);
}, 60_000);
