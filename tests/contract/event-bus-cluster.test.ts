/** The EventBus contract on a Redis Cluster of three masters: sharded pub/sub (SSUBSCRIBE, SPUBLISH). */
import { afterAll, beforeAll } from "vitest";
import { startRedisCluster, type RedisCluster } from "../support/redis-cluster.ts";
import { describeEventBusContract } from "./event-bus-contract.ts";
import { connectedRedisBus } from "./redis-bus-harness.ts";

let cluster: RedisCluster;
beforeAll(async () => {
  cluster = await startRedisCluster({ password: "cluster-secret" });
});
afterAll(() => cluster?.stop());

// Dropping the connection: every master killed and started again (as a crash and a restart would).
describeEventBusContract("Redis Cluster bus", () => connectedRedisBus(cluster.servers, () => cluster.restart()));
