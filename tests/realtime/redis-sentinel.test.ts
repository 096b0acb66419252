/**
 * ordergraph on Redis under Sentinel: instances exchange events through the master Sentinel
 * names, readiness and redis_up follow it, and when it fails over (Sentinel's own failover, or
 * the master's process dying) while mutations run, every subscriber ends up with every committed
 * event exactly once: what the failover kept from them live comes from the outbox.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Instance } from "../../src/instance.ts";
import { startTestInstance, uniqueChannelPrefix } from "../support/instances.ts";
import { startRedisSentinel, type RedisSentinel } from "../support/redis-sentinel.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { expectEveryEventOnce, redisHealth } from "./every-event-once.ts";
import { describeTwoInstances } from "./two-instances-suite.ts";

let sentinel: RedisSentinel;
beforeAll(async () => {
  sentinel = await startRedisSentinel({ password: "sentinel-secret" });
});
afterAll(() => sentinel?.stop());

describeTwoInstances("under Redis Sentinel", () => ({ servers: sentinel.servers, waitForSubscribers: (channel) => sentinel.waitForSubscribers(channel) }));

describe("failing over", () => {
  let db: TestDatabase;
  let a: Instance;
  let b: Instance;
  let prefix: string;
  beforeAll(async () => {
    db = await createTestDatabase();
    prefix = uniqueChannelPrefix();
    const start = () => startTestInstance({ databaseUrl: db.url, migrate: false, redis: sentinel.servers, channelPrefix: prefix });
    [a, b] = await Promise.all([start(), start()]);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await db?.drop();
  });

  const everyEventOnceAcross = (name: string, disruption: () => Promise<void>) =>
    expectEveryEventOnce({ db, a, b, prefix, waitForSubscribers: (channel, count) => sentinel.waitForSubscribers(channel, count), name, disruption });
  const movedTo = (failover: () => Promise<{ from: number; to: number }>) => async () => {
    const { from, to } = await failover();
    expect(to).not.toBe(from);
  };

  it("reports the master in readiness and redis_up", async () => {
    expect(await redisHealth(a)).toEqual({ ready: "ok", up: "1" });
  });

  it("delivers every committed event exactly once when Sentinel fails over while mutations run", async () => {
    await everyEventOnceAcross("sentinel-failover", movedTo(() => sentinel.failover()));
    await expect.poll(() => redisHealth(a), { timeout: 10_000 }).toEqual({ ready: "ok", up: "1" });
  });

  it("delivers every committed event exactly once when subscriber connections drop while events are published", async () => {
    // Publishing goes on meanwhile, so events are published while a subscriber is away (ioredis
    // reconnects after 50 ms): only the catch-up from the outbox can deliver those.
    await everyEventOnceAcross("subscribers-dropped", async () => {
      for (let drop = 0; drop < 8; drop++) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        expect(await sentinel.dropSubscribers()).toBeGreaterThan(0);
      }
    });
  });

  it("delivers every committed event exactly once when the master dies while mutations run", async () => {
    await everyEventOnceAcross("master-dies", movedTo(() => sentinel.killMaster()));
    await expect.poll(() => redisHealth(a), { timeout: 10_000 }).toEqual({ ready: "ok", up: "1" });
  });
});
