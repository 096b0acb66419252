/**
 * The realtime part of npm run bench (also npm run bench:realtime on its own): delivery lag under
 * sustained writes, shared fan-out to 1,000 subscribers, and memory with 10,000 idle ones.
 *
 * 1. Lag: 12 clients place orders back to back for BENCH_DURATION_S (default 15) seconds while
 *    one subscriber records, per event, the time from the event's `occurredAt` (set in the
 *    mutation's transaction) to its arrival; then every committed event must have arrived.
 * 2. Fan-out: 1,000 graphql-ws subscribers of the same `orderEvents` document; 20 orders/s for
 *    10 s; latency per delivery and delivered/expected.
 * 3. Idle: 10,000 subscribers connected and subscribed; the server's RSS.
 *
 * Our server runs in production mode with Redis (a private redis-server), on a fresh database.
 * Writes its section of docs/benchmarks.md (between the realtime markers) and prints it.
 * Environment: BENCH_DATABASE_URL (default the local PostgreSQL), BENCH_DURATION_S.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { createClient, type Client } from "graphql-ws";
import pg from "pg";
import WebSocket from "ws";
import { ADMIN, BENCH_SECRET as SECRET, freePort, quantile, root } from "./support.ts";

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 15);
const log = (...args: unknown[]) => console.error("[realtime]", ...args);

const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) / 1024;
const peakRssMb = (pid: number) => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) / 1024;

async function graphql(url: string, query: string, variables: Record<string, unknown> = {}) {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json", authorization: ADMIN }, body: JSON.stringify({ query, variables }) });
  return (await response.json()) as { data?: any; errors?: unknown[] };
}

const PLACE_ORDER = `mutation($u: ID!) { placeOrder(input: { userId: $u, currency: "USD", items: [{ sku: "RT-1", name: "Realtime", quantity: 1, unitPriceCents: 100 }] }) { order { id } errors { code } } }`;

async function startServer(databaseUrl: string, redisUrl: string): Promise<{ url: string; child: ChildProcess; stop(): Promise<void> }> {
  const port = await freePort();
  const child = spawn(process.execPath, ["--import", "tsx", "src/server.ts"], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: "production",
      LOG_LEVEL: "error",
      DATABASE_URL: databaseUrl,
      REDIS_URL: redisUrl,
      REDIS_CHANNEL_PREFIX: `bench-${process.pid}`,
      MIGRATE_ON_START: "false",
      AUTH_JWT_SECRET: SECRET,
      PORT: String(port),
      SHUTDOWN_DRAIN_DELAY_MS: "0",
      RATE_LIMIT_PLACE_ORDER_PER_MINUTE: "1000000",
      // Every benchmark subscriber is the same administrator.
      MAX_SUBSCRIPTIONS_PER_USER: "1000000",
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const url = `http://127.0.0.1:${port}/graphql`;
  for (let tries = 0; (await fetch(url.replace("/graphql", "/health/ready")).then((r) => r.status, () => 0)) !== 200; tries++) {
    if (tries > 300) throw new Error("the server did not become ready");
    await sleep(100);
  }
  return {
    url,
    child,
    async stop() {
      child.kill("SIGTERM");
      await new Promise((resolve) => child.once("exit", resolve));
    },
  };
}

/** Connects `count` subscribers (in batches) to `query`; calls `onEvent` with each event's data. */
async function subscribers(url: string, count: number, query: string, onEvent: (data: any) => void): Promise<Client[]> {
  const websocketUrl = url.replace("http://", "ws://");
  const clients: Client[] = [];
  for (let start = 0; start < count; start += 500) {
    const batch = Array.from({ length: Math.min(500, count - start) }, () => createClient({ url: websocketUrl, webSocketImpl: WebSocket, retryAttempts: 0, lazy: false, connectionParams: { authorization: ADMIN } }));
    await Promise.all(
      batch.map(
        (client) =>
          new Promise<void>((resolve) => {
            client.on("connected", () => resolve());
            client.subscribe({ query }, { next: ({ data }) => data && onEvent(data), error: (error) => log("subscriber error", error), complete: () => {} });
          }),
      ),
    );
    clients.push(...batch);
  }
  await sleep(1000); // let every SUBSCRIBE settle
  return clients;
}

async function main() {
  const serverUrl = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
  const name = `ordergraph_realtime_${process.pid}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`create database "${name}"`);
  const databaseUrl = Object.assign(new URL(serverUrl), { pathname: `/${name}` }).toString();
  const redisPort = await freePort();
  const redis = spawn("redis-server", ["--port", String(redisPort), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
  const redisUrl = `redis://127.0.0.1:${redisPort}`;
  try {
    log("migrating and seeding 1,000 users");
    for (const args of [["run", "-s", "db:migrate"], ["run", "-s", "db:seed", "--", "--users", "1000", "--orders-per-user", "1", "--items-per-order", "1"]]) {
      const result = spawnSync("npm", args, { cwd: root, env: { ...process.env, DATABASE_URL: databaseUrl }, encoding: "utf8" });
      if (result.status !== 0) throw new Error(`npm ${args.join(" ")} failed:\n${result.stderr}`);
    }
    const server = await startServer(databaseUrl, redisUrl);
    const { data } = await graphql(server.url, "{ users(first: 100) { nodes { id } } }");
    const userIds: string[] = data.users.nodes.map((node: { id: string }) => node.id);

    // 1. Lag under sustained writes.
    log(`lag: 12 writers for ${DURATION_S} s`);
    const lags: number[] = [];
    const seen = new Set<string>();
    const [watcher] = await subscribers(server.url, 1, "subscription { orderEvents { id occurredAt } }", (event) => {
      seen.add(event.orderEvents.id);
      lags.push(Date.now() - Date.parse(event.orderEvents.occurredAt));
    });
    let accepted = 0;
    const until = Date.now() + DURATION_S * 1000;
    await Promise.all(
      Array.from({ length: 12 }, async (_, writer) => {
        for (let i = writer; Date.now() < until; i += 12) {
          const result = await graphql(server.url, PLACE_ORDER, { u: userIds[i % userIds.length] });
          if (result.data?.placeOrder?.order) accepted++;
        }
      }),
    );
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    const drainStarted = Date.now();
    for (; seen.size < accepted && Date.now() - drainStarted < 30_000; ) await sleep(100);
    const lag = { accepted, perSecond: accepted / DURATION_S, delivered: seen.size, p50: quantile(lags, 0.5), p99: quantile(lags, 0.99), max: Math.max(...lags) };
    log(`lag: ${lag.perSecond.toFixed(0)} orders/s, ${lag.delivered}/${accepted} delivered, p50 ${lag.p50} ms, p99 ${lag.p99} ms`);
    await watcher!.dispose();

    // 2. Fan-out to 1,000 subscribers of one document.
    log("fan-out: 1,000 subscribers, 20 orders/s for 10 s");
    const latencies: number[] = [];
    const fanClients = await subscribers(server.url, 1000, "subscription { orderEvents { id type status occurredAt } }", (event) => {
      latencies.push(Date.now() - Date.parse(event.orderEvents.occurredAt));
    });
    const idle1000 = rssMb(server.child.pid!);
    const startedAt = Date.now();
    let placed = 0;
    for (let i = 0; i < 200; i++) {
      await sleep(Math.max(0, startedAt + i * 50 - Date.now()));
      void graphql(server.url, PLACE_ORDER, { u: userIds[i % userIds.length] }).then((result) => result.data?.placeOrder?.order && placed++);
    }
    for (const waitStarted = Date.now(); latencies.length < 200 * 1000 && Date.now() - waitStarted < 20_000; ) await sleep(100);
    const fan = { delivered: latencies.length, expected: placed * 1000, p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), idleRssMb: idle1000, peakRssMb: peakRssMb(server.child.pid!) };
    log(`fan-out: ${fan.delivered}/${fan.expected}, p50 ${fan.p50} ms, p99 ${fan.p99} ms`);
    await Promise.all(fanClients.map((client) => client.dispose()));

    // 3. 10,000 idle subscribers.
    log("idle: 10,000 subscribers");
    await sleep(2000);
    const before = rssMb(server.child.pid!);
    const idleClients = await subscribers(server.url, 10_000, "subscription { orderEvents { id } }", () => {});
    await sleep(2000);
    const idle = { before, with: rssMb(server.child.pid!) };
    log(`idle: RSS ${idle.before.toFixed(0)} MB → ${idle.with.toFixed(0)} MB`);
    await Promise.all(idleClients.map((client) => client.dispose()));
    await db.end();
    await server.stop();

    const lines = [
      "<!-- realtime:start -->",
      `Measured ${new Date().toISOString().slice(0, 10)} by \`npm run bench:realtime\` (part of \`npm run bench\`): our server in production mode with Redis, on two cores shared with PostgreSQL, Redis and the load generator.`,
      "",
      "| what | result |",
      "|---|---|",
      `| sustained writes: 12 clients placing orders back to back for ${DURATION_S} s | ${lag.perSecond.toFixed(0)} orders/s accepted; ${lag.delivered} / ${lag.accepted} events delivered to a live subscriber; lag p50 ${lag.p50} ms, p99 ${lag.p99} ms, max ${lag.max} ms |`,
      `| fan-out: 1,000 subscribers of one \`orderEvents\` document, 20 orders/s for 10 s | ${fan.delivered} / ${fan.expected} delivered (${((100 * fan.delivered) / Math.max(1, fan.expected)).toFixed(1)} %); latency p50 ${fan.p50} ms, p99 ${fan.p99} ms; RSS ${fan.idleRssMb.toFixed(0)} MB idle, ${fan.peakRssMb.toFixed(0)} MB peak |`,
      `| 10,000 idle subscribers | RSS ${idle.before.toFixed(0)} MB before, ${idle.with.toFixed(0)} MB with them |`,
      "",
      "Lag and latency run from the event's `occurredAt` (set in the mutation's transaction, just before commit) to its arrival at a subscriber, on one machine's clock.",
      "<!-- realtime:end -->",
    ];
    const table = lines.join("\n");
    console.log(table);
    const path = `${root}docs/benchmarks.md`;
    const doc = readFileSync(path, "utf8");
    const section = /<!-- realtime:start -->[\s\S]*<!-- realtime:end -->/;
    writeFileSync(path, section.test(doc) ? doc.replace(section, table) : `${doc.trimEnd()}\n\n## Realtime: lag under writes, shared fan-out, idle subscribers\n\n${table}\n`);
  } finally {
    redis.kill("SIGKILL");
    await admin.query(`drop database if exists "${name}" with (force)`);
    await admin.end();
  }
}

await main();
