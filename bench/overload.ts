/**
 * npm run bench:overload — goodput under more concurrent work than the pool can serve.
 *
 * A fresh database with 400,000 orders (10,000 users × 40), our server in production mode with
 * the default pool (10) and queue limit (20). For 40 and then 150 concurrent callers, each in a
 * closed loop of `orders(first: 100) { totalCount … }` for BENCH_DURATION_S seconds (a refused
 * caller waits what `retryAfterSeconds` says, as a well-behaved client does), while a probe measures a one-row
 * `user(id:)`, /health/ready and /metrics every 250 ms. Writes the table into
 * docs/benchmarks.md between the overload markers, and prints it.
 *
 * Environment: BENCH_DATABASE_URL (default the local PostgreSQL at 127.0.0.1:5432),
 * BENCH_DURATION_S (default 15).
 */
import { spawn, spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { ADMIN, BENCH_SECRET as SECRET, freePort, quantile, root } from "./support.ts";

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 15);
const HEAVY = `{ orders(first: 100) { totalCount nodes { id status total { amount } } } }`;
const log = (...args: unknown[]) => console.error("[overload]", ...args);

function run(command: string, args: string[], env: Record<string, string>) {
  const result = spawnSync(command, args, { cwd: root, env: { ...process.env, ...env }, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed:\n${result.stdout}\n${result.stderr}`);
}

async function post(url: string, query: string, variables: Record<string, unknown> = {}) {
  const started = performance.now();
  try {
    const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json", authorization: ADMIN }, body: JSON.stringify({ query, variables }) });
    const body = (await response.json()) as { data?: Record<string, unknown>; errors?: { extensions?: { code?: string; retryAfterSeconds?: number } }[] };
    const code = body.errors?.[0]?.extensions?.code ?? (body.data ? "ok" : `HTTP ${response.status}`);
    return { code, ms: performance.now() - started, retryAfterMs: (body.errors?.[0]?.extensions?.retryAfterSeconds ?? 0.1) * 1000 };
  } catch (error) {
    return { code: `network: ${(error as Error).message}`, ms: performance.now() - started, retryAfterMs: 100 };
  }
}

async function measure(url: string, callers: number, userId: string) {
  const until = Date.now() + DURATION_S * 1000;
  const outcomes: Record<string, number> = {};
  const heavyMs: number[] = [];
  const loops = Array.from({ length: callers }, async () => {
    while (Date.now() < until) {
      const { code, ms, retryAfterMs } = await post(url, HEAVY);
      outcomes[code] = (outcomes[code] ?? 0) + 1;
      if (code === "ok") heavyMs.push(ms);
      else await sleep(retryAfterMs);
    }
  });
  const probe = { byId: [] as number[], byIdFailed: 0, ready: [] as number[], readyNot200: 0, metrics: [] as number[] };
  const base = url.replace("/graphql", "");
  const probing = (async () => {
    while (Date.now() < until) {
      const [byId, ready, metrics] = await Promise.all([
        post(url, `query($id: ID!) { user(id: $id) { id email name } }`, { id: userId }),
        (async () => {
          const started = performance.now();
          const response = await fetch(`${base}/health/ready`);
          await response.arrayBuffer();
          return { ms: performance.now() - started, ok: response.status === 200 };
        })(),
        (async () => {
          const started = performance.now();
          await (await fetch(`${base}/metrics`)).text();
          return performance.now() - started;
        })(),
      ]);
      if (byId.code === "ok") probe.byId.push(byId.ms);
      else probe.byIdFailed++;
      probe.ready.push(ready.ms);
      if (!ready.ok) probe.readyNot200++;
      probe.metrics.push(metrics);
      await sleep(250);
    }
  })();
  await Promise.all([...loops, probing]);
  return { callers, outcomes, heavyMs, probe };
}

async function main() {
  const serverUrl = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
  const name = `ordergraph_overload_${process.pid}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`create database "${name}"`);
  const databaseUrl = Object.assign(new URL(serverUrl), { pathname: `/${name}` }).toString();
  let server: ReturnType<typeof spawn> | undefined;
  try {
    log("migrating and seeding 10,000 users × 40 orders");
    run("npm", ["run", "-s", "db:migrate"], { DATABASE_URL: databaseUrl });
    run("npm", ["run", "-s", "db:seed", "--", "--users", "10000", "--orders-per-user", "40", "--items-per-order", "1"], { DATABASE_URL: databaseUrl });
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    await db.query("analyze");
    const { rows } = await db.query<{ id: string }>("select id from users limit 1");
    await db.end();
    const userId = Buffer.from(`User:${rows[0]!.id}`).toString("base64url");

    const port = await freePort();
    server = spawn(process.execPath, ["--import", "tsx", "src/server.ts"], {
      cwd: root,
      env: { PATH: process.env.PATH, NODE_ENV: "production", LOG_LEVEL: "error", DATABASE_URL: databaseUrl, MIGRATE_ON_START: "false", AUTH_JWT_SECRET: SECRET, PORT: String(port), SHUTDOWN_DRAIN_DELAY_MS: "0" },
      stdio: "ignore",
    });
    const url = `http://127.0.0.1:${port}/graphql`;
    for (let tries = 0; (await fetch(url.replace("/graphql", "/health/ready")).then((r) => r.status, () => 0)) !== 200; tries++) {
      if (tries > 200) throw new Error("the server did not become ready");
      await sleep(100);
    }
    await measure(url, 10, userId); // warm-up (JIT, plans, pool)
    const results = [];
    for (const callers of [40, 150]) {
      log(`${callers} callers for ${DURATION_S} s`);
      results.push(await measure(url, callers, userId));
    }
    const lines = [
      "<!-- overload:start -->",
      `Measured ${new Date().toISOString().slice(0, 10)} by \`npm run bench:overload\`: 400,000 orders, pool 10, queue limit 20 (30 operations at once), ${DURATION_S} s per row; each caller loops \`orders(first: 100) { totalCount … }\` (about 0.1–0.3 s of PostgreSQL each) and after a refusal waits the \`retryAfterSeconds\` it was given; a probe sends a one-row \`user(id:)\`, \`/health/ready\` and \`/metrics\` every 250 ms.`,
      "",
      "| callers | successes/s | SERVICE_UNAVAILABLE | OPERATION_TIMEOUT | other errors | heavy p50 / p99 | `user(id:)` p50 / p99 (failed) | ready p99 (not 200) | metrics p99 |",
      "|---|---|---|---|---|---|---|---|---|",
      ...results.map(({ callers, outcomes, heavyMs, probe }) => {
        const other = Object.entries(outcomes).filter(([code]) => !["ok", "SERVICE_UNAVAILABLE", "OPERATION_TIMEOUT"].includes(code));
        return `| ${callers} | ${((outcomes.ok ?? 0) / DURATION_S).toFixed(1)} | ${outcomes.SERVICE_UNAVAILABLE ?? 0} | ${outcomes.OPERATION_TIMEOUT ?? 0} | ${other.map(([code, n]) => `${code}: ${n}`).join(", ") || 0} | ${quantile(heavyMs, 0.5).toFixed(0)} / ${quantile(heavyMs, 0.99).toFixed(0)} ms | ${quantile(probe.byId, 0.5).toFixed(0)} / ${quantile(probe.byId, 0.99).toFixed(0)} ms (${probe.byIdFailed}) | ${quantile(probe.ready, 0.99).toFixed(0)} ms (${probe.readyNot200}) | ${quantile(probe.metrics, 0.99).toFixed(0)} ms |`;
      }),
      "<!-- overload:end -->",
    ];
    const table = lines.join("\n");
    console.log(table);
    const path = `${root}docs/benchmarks.md`;
    const doc = readFileSync(path, "utf8");
    const section = /<!-- overload:start -->[\s\S]*<!-- overload:end -->/;
    writeFileSync(path, section.test(doc) ? doc.replace(section, table) : `${doc.trimEnd()}\n\n## Overload: goodput when the pool is saturated\n\n${table}\n`);
  } finally {
    server?.kill("SIGTERM");
    await sleep(500);
    await admin.query(`drop database if exists "${name}" with (force)`);
    await admin.end();
  }
}

await main();
