/**
 * Regression, at the level where it failed: a transaction whose connection dies (PostgreSQL
 * restarted, the session killed) gives the connection back, so the pool refills. Before the fix
 * (src/infra/mikro-orm/postgresql-driver.ts), ROLLBACK threw on the dead connection, Kysely never
 * released it, and a pool of 2 was gone after two such failures: the next query waited forever.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import type { MikroORM } from "@mikro-orm/postgresql";
import type { Pool } from "pg";
import { createOrm } from "../../src/infra/mikro-orm/orm.ts";
import { startPostgresCluster, type PostgresCluster } from "../support/postgres-cluster.ts";

let cluster: PostgresCluster;
let orm: MikroORM;
let pool: Pool;

beforeAll(async () => {
  cluster = await startPostgresCluster();
  orm = await createOrm({ databaseUrl: cluster.url(), poolSize: 2, onPool: (created) => (pool = created) });
}, 60_000);
afterAll(async () => {
  await orm?.close();
  await cluster?.destroy();
});

const within = <T>(ms: number, work: Promise<T>): Promise<T> =>
  Promise.race([work, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms: the pool is stuck`)), ms))]);

it("releases the connection of a transaction whose session was killed before its next statement or its COMMIT", async () => {
  for (let round = 0; round < 6; round++) {
    const failed = orm.em.fork().transactional(async (em) => {
      await em.execute("select 1");
      await cluster.terminate("ordergraph");
      // Odd rounds fail at the next statement, even ones at COMMIT.
      if (round % 2) await em.execute("select 2");
    });
    await expect(failed).rejects.toThrow();
  }
  const [row] = await within(3000, orm.em.fork().execute<{ one: number }[]>("select 1 as one"));
  expect(row).toEqual({ one: 1 });
  await expect.poll(() => pool.totalCount - pool.idleCount).toBe(0);
  await expect.poll(() => cluster.sessions("ordergraph")).toBe(pool.totalCount);
});

it("releases the connections of transactions cut by an immediate restart", async () => {
  const transactions = Promise.allSettled(
    Array.from({ length: 4 }, () =>
      orm.em.fork().transactional(async (em) => {
        await em.execute("select pg_sleep(5)");
      }),
    ),
  );
  await new Promise((resolve) => setTimeout(resolve, 300));
  await cluster.restart("immediate");
  const outcomes = await transactions;
  expect(outcomes.every((outcome) => outcome.status === "rejected")).toBe(true);
  let answer: unknown;
  for (const until = Date.now() + 10_000; !answer && Date.now() < until; await new Promise((resolve) => setTimeout(resolve, 100))) {
    answer = await orm.em.fork().execute<{ one: number }[]>("select 1 as one").then(([row]) => row, () => undefined);
  }
  expect(answer).toEqual({ one: 1 });
  await expect.poll(() => pool.totalCount - pool.idleCount).toBe(0);
  expect(await cluster.sessions("ordergraph")).toBe(pool.totalCount);
});

it("never hands out a connection that comes back inside a transaction", async () => {
  const client = await pool.connect();
  await client.query("begin");
  client.release(); // a caller that forgot to commit or roll back
  const [row] = await orm.em.fork().execute<{ open: boolean }[]>("select now() = statement_timestamp() as open");
  expect(row).toEqual({ open: true }); // not inside the abandoned transaction (there, now() is its start)
  await expect.poll(() => cluster.sessions("ordergraph")).toBe(pool.totalCount);
});
