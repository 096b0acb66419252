/**
 * Redis under Sentinel, of the test's own, on free loopback ports: a master, a replica of it, and
 * one sentinel (quorum 1) that fails over quickly (down after 2 s). Every process is killed by
 * `stop()`, and when the test process exits at the latest.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import type { RedisServers } from "../../src/options.ts";
import { freePorts, requireRedisPrograms, spawnRedisServer, type RedisProcess } from "./redis.ts";

const MASTER_NAME = "mymaster";

export interface RedisSentinel {
  /** The `redis` option that points at it. */
  readonly servers: RedisServers;
  /** The port of the master Sentinel names now. */
  masterPort(): Promise<number>;
  /** Waits until the master has at least `count` subscribers on `channel`. */
  waitForSubscribers(channel: string, count?: number, timeoutMs?: number): Promise<void>;
  /**
   * SENTINEL FAILOVER: the replica is promoted; resolves once Sentinel has demoted the old master,
   * which closes every client's connection to it (the moment clients move).
   */
  failover(): Promise<{ from: number; to: number }>;
  /** Closes the master's connections of subscribers (CLIENT KILL TYPE pubsub); resolves with how many. */
  dropSubscribers(): Promise<number>;
  /** Kills the master, as a crash would; resolves once Sentinel has promoted the replica. */
  killMaster(): Promise<{ from: number; to: number }>;
  stop(): Promise<void>;
}

export async function startRedisSentinel({ password }: { password?: string } = {}): Promise<RedisSentinel> {
  requireRedisPrograms("redis-server");
  const dir = await mkdtemp(join(tmpdir(), "ordergraph-redis-sentinel-"));
  const [masterPort, replicaPort, sentinelPort] = (await freePorts(3)) as [number, number, number];
  const processes = new Map<number, RedisProcess>();
  const connections: Redis[] = [];
  /** A connection to a server (with the password) or to the sentinel (without: it has none). */
  const connect = (port: number) => {
    const connection = new Redis({ port, host: "127.0.0.1", password: port === sentinelPort ? undefined : password, maxRetriesPerRequest: 1, retryStrategy: () => 100 });
    connection.on("error", () => {}); // servers are killed on purpose
    connections.push(connection);
    return connection;
  };
  const stop = async () => {
    connections.forEach((connection) => connection.disconnect());
    await Promise.all([...processes.values()].map((server) => server.kill()));
    await rm(dir, { recursive: true, force: true });
  };
  const serverArgs = (port: number) => ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir, ...(password ? ["--requirepass", password, "--masterauth", password] : [])];

  let sentinel: Redis;
  try {
    processes.set(masterPort, await spawnRedisServer(masterPort, serverArgs(masterPort)));
    processes.set(replicaPort, await spawnRedisServer(replicaPort, [...serverArgs(replicaPort), "--replicaof", "127.0.0.1", String(masterPort)]));
    const replica = connect(replicaPort);
    await until(async () => /master_link_status:up/.test(await replica.info("replication")), "the replica to sync");
    const config = join(dir, "sentinel.conf"); // Sentinel rewrites it, so it must be a file of its own
    await writeFile(
      config,
      [
        `port ${sentinelPort}`,
        "bind 127.0.0.1",
        `dir ${dir}`,
        `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${masterPort} 1`,
        // Short, but not so short that a busy machine (tests run in parallel) looks like a dead master.
        `sentinel down-after-milliseconds ${MASTER_NAME} 2000`,
        `sentinel failover-timeout ${MASTER_NAME} 3000`,
        ...(password ? [`sentinel auth-pass ${MASTER_NAME} ${password}`] : []),
      ].join("\n"),
    );
    processes.set(sentinelPort, await spawnRedisServer(sentinelPort, [config, "--sentinel"]));
    sentinel = connect(sentinelPort);
    await promotable();
  } catch (error) {
    await stop();
    throw error;
  }

  async function replicas() {
    const rows = (await sentinel.call("SENTINEL", "REPLICAS", MASTER_NAME)) as string[][];
    return rows.map((row) => {
      const fields = new Map<string, string>();
      for (let index = 0; index < row.length; index += 2) fields.set(row[index]!, row[index + 1]!);
      return { port: Number(fields.get("port")), flags: fields.get("flags"), linkUp: fields.get("master-link-status") === "ok" };
    });
  }
  const servers = [connect(masterPort), connect(replicaPort)];
  /** Until Sentinel knows a replica it can promote: found (from the master's INFO), up, and replicating. */
  async function promotable() {
    await until(async () => (await replicas()).some((replica) => replica.flags === "slave" && replica.linkUp), "Sentinel to know a replica it can promote", 30_000);
  }
  const masterPortNow = async () => Number(((await sentinel.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER_NAME)) as [string, string])[1]);
  const promotedFrom = async (from: number) => {
    let to = from;
    await until(async () => (to = await masterPortNow()) !== from, `Sentinel to promote a replica of ${from}`, 20_000);
    return to;
  };

  return {
    servers: { mode: "sentinel", sentinels: [{ host: "127.0.0.1", port: sentinelPort }], masterName: MASTER_NAME, password },
    masterPort: masterPortNow,
    async waitForSubscribers(channel, count = 1, timeoutMs = 5000) {
      // On both servers: until Sentinel demotes an old master, clients stay on it (see
      // redis-connection.ts), also after a failover Sentinel started by itself.
      let counts: number[] = [];
      await until(
        async () => {
          counts = await Promise.all(servers.map(async (server) => ((await server.pubsub("NUMSUB", channel).catch(() => [channel, 0])) as [string, number])[1]));
          return counts.reduce((sum, subscribers) => sum + subscribers, 0) >= count;
        },
        () => `${count} subscriber(s) on ${channel} (have ${counts.join(" + ")})`,
        timeoutMs,
      );
    },
    async failover() {
      await promotable();
      const from = await masterPortNow();
      await sentinel.call("SENTINEL", "FAILOVER", MASTER_NAME);
      const to = await promotedFrom(from);
      const old = connect(from);
      await until(async () => /role:slave/.test(await old.info("replication")), `Sentinel to demote ${from}`, 30_000);
      return { from, to };
    },
    async dropSubscribers() {
      const master = connect(await masterPortNow());
      try {
        return Number(await master.client("KILL", "TYPE", "pubsub"));
      } finally {
        master.disconnect();
      }
    },
    async killMaster() {
      await promotable();
      const from = await masterPortNow();
      await processes.get(from)?.kill();
      return { from, to: await promotedFrom(from) };
    },
    stop,
  };
}

async function until(condition: () => Promise<boolean>, what: string | (() => string), timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${typeof what === "string" ? what : what()} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
