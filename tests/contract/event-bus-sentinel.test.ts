/** The EventBus contract on Redis under Sentinel: a master, its replica, one sentinel. */
import { afterAll, beforeAll } from "vitest";
import { startRedisSentinel, type RedisSentinel } from "../support/redis-sentinel.ts";
import { describeEventBusContract } from "./event-bus-contract.ts";
import { connectedRedisBus } from "./redis-bus-harness.ts";

let sentinel: RedisSentinel;
beforeAll(async () => {
  sentinel = await startRedisSentinel({ password: "sentinel-secret" });
});
afterAll(() => sentinel?.stop());

// Dropping the connection: a failover, which ends every connection to the old master.
describeEventBusContract("Redis Sentinel bus", () => connectedRedisBus(sentinel.servers, async () => void (await sentinel.failover())));
