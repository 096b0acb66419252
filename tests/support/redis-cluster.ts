/**
 * A Redis Cluster of the test's own: three masters on free loopback ports (no replicas), created
 * with `redis-cli --cluster create`, their cluster configuration in a temporary directory so a
 * node can be killed and started again as itself. Every process is killed by `stop()`, and when
 * the test process exits at the latest.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import type { RedisServers } from "../../src/options.ts";
import { freePorts, requireRedisPrograms, spawnRedisServer, type RedisProcess } from "./redis.ts";

export interface RedisCluster {
  /** The `redis` option that points at it (one node is enough to find the others). */
  readonly servers: RedisServers;
  /** The masters' ports. */
  readonly ports: readonly number[];
  /** A connection to each master, in the order of `ports`, for inspecting it (PUBSUB, INFO, CLUSTER). */
  readonly nodes: readonly Redis[];
  /** The port of the master that owns `key`'s (or a shard channel's) slot. */
  ownerOf(key: string): Promise<number>;
  /** Waits until the shard channel has at least `count` subscriptions on its master. */
  waitForShardSubscribers(channel: string, count?: number, timeoutMs?: number): Promise<void>;
  /** Closes every master's connections of subscribers (CLIENT KILL TYPE pubsub); resolves with how many. */
  dropSubscribers(): Promise<number>;
  /** Kills one master abruptly, as a crash would. */
  kill(port: number): Promise<void>;
  /** Starts a killed master again as the same node; resolves once the cluster is whole. */
  start(port: number): Promise<void>;
  /** Kills every master and starts them again (their data is lost, the cluster is the same). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startRedisCluster({ password }: { password?: string } = {}): Promise<RedisCluster> {
  requireRedisPrograms("redis-server", "redis-cli");
  const dir = await mkdtemp(join(tmpdir(), "ordergraph-redis-cluster-"));
  // Each node listens on a port and talks to the others on a bus port of its own (by default
  // port + 10000, which another test's port may hold, or be past 65535).
  const allPorts = await freePorts(6);
  const [ports, busPorts] = [allPorts.slice(0, 3), allPorts.slice(3)];
  const processes = new Map<number, RedisProcess>();
  const auth = password ? ["--requirepass", password, "--masterauth", password] : [];
  const start = async (port: number, index: number) => {
    const args = ["--port", String(port), "--cluster-port", String(busPorts[index]), "--bind", "127.0.0.1", "--cluster-enabled", "yes"];
    args.push("--cluster-config-file", join(dir, `nodes-${port}.conf`), "--dir", dir, "--save", "", "--appendonly", "no", "--daemonize", "no", ...auth);
    processes.set(port, await spawnRedisServer(port, args));
  };
  const nodes = ports.map((port) => new Redis({ port, host: "127.0.0.1", password, lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => 100 }));
  nodes.forEach((node) => node.on("error", () => {})); // nodes are killed on purpose
  const stop = async () => {
    nodes.forEach((node) => node.disconnect());
    await Promise.all([...processes.values()].map((node) => node.kill()));
    await rm(dir, { recursive: true, force: true });
  };
  /** Until every master says the cluster is ok (all slots served). */
  const whole = async (timeoutMs = 20_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const states = await Promise.all(nodes.map((node) => node.cluster("INFO").then((info) => /cluster_state:(\w+)/.exec(String(info))?.[1], () => "unreachable")));
      if (states.every((state) => state === "ok")) return;
      if (Date.now() > deadline) throw new Error(`Redis Cluster not ok after ${timeoutMs} ms: ${states.join(", ")}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  try {
    await Promise.all(ports.map((port, index) => start(port, index)));
    const addresses = ports.map((port) => `127.0.0.1:${port}`);
    await promisify(execFile)("redis-cli", ["--cluster", "create", ...addresses, "--cluster-replicas", "0", "--cluster-yes", ...(password ? ["-a", password, "--no-auth-warning"] : [])]);
    await Promise.all(nodes.map((node) => node.connect()));
    await whole();
  } catch (error) {
    await stop();
    throw error;
  }

  const ownerOf = async (key: string) => {
    const slot = Number(await nodes[0]!.cluster("KEYSLOT", key));
    const range = (await nodes[0]!.cluster("SLOTS")).find(([first, last]) => slot >= first && slot <= last);
    if (!range?.[2]) throw new Error(`no master serves slot ${slot}`);
    return Number(range[2][1]);
  };

  return {
    servers: { mode: "cluster", nodes: [{ host: "127.0.0.1", port: ports[0]! }], password },
    ports,
    nodes,
    ownerOf,
    async waitForShardSubscribers(channel, count = 1, timeoutMs = 5000) {
      const owner = nodes[ports.indexOf(await ownerOf(channel))]!;
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const [, subscribers] = (await owner.pubsub("SHARDNUMSUB", channel)) as [string, number];
        if (subscribers >= count) return;
        if (Date.now() > deadline) throw new Error(`no ${count} shard subscriber(s) on ${channel} within ${timeoutMs} ms (have ${subscribers})`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async dropSubscribers() {
      const killed = await Promise.all(nodes.map(async (node) => Number(await node.client("KILL", "TYPE", "pubsub"))));
      return killed.reduce((sum, count) => sum + count, 0);
    },
    kill: async (port) => processes.get(port)?.kill(),
    async start(port) {
      await start(port, ports.indexOf(port));
      await whole();
    },
    async restart() {
      await Promise.all([...processes.values()].map((node) => node.kill()));
      await Promise.all(ports.map((port, index) => start(port, index)));
      await whole();
    },
    stop,
  };
}
