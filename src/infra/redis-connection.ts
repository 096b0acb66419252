/**
 * Connections to the Redis that options.ts's `redis` names, in its mode: one server, the master
 * Sentinel points at (followed through failovers), or a Cluster. The event bus and the rate
 * limiter open theirs here, so each mode is wired once.
 */
import { Cluster, Redis, type RedisOptions } from "ioredis";
import type { RedisServers } from "../options.ts";

export type RedisConnection = Redis | Cluster;

export type ConnectionRole =
  /**
   * Commands that must not wait for Redis: while it is away they fail at once (no offline queue,
   * one retry), and one unanswered for `commandTimeoutMs` fails too, so the caller falls back or
   * backs off instead of hanging. In a Cluster, commands sent together go out as one pipeline per
   * node (ioredis's auto-pipelining), when `pipelined`.
   */
  | { readonly kind: "commands"; readonly commandTimeoutMs: number; readonly connectTimeoutMs?: number; readonly pipelined?: boolean }
  /**
   * Subscribing: waits out disconnections and resubscribes after each. In a Cluster it subscribes
   * with SSUBSCRIBE over one connection per master (ioredis's `shardedSubscribers`).
   */
  | { readonly kind: "subscriber" };

export function connectRedis(servers: Extract<RedisServers, { mode: "cluster" }>, role: ConnectionRole): Cluster;
export function connectRedis(servers: Exclude<RedisServers, { mode: "cluster" }>, role: ConnectionRole): Redis;
export function connectRedis(servers: RedisServers, role: ConnectionRole): RedisConnection;
export function connectRedis(servers: RedisServers, role: ConnectionRole): RedisConnection {
  const options: RedisOptions =
    role.kind === "commands"
      ? { enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: role.commandTimeoutMs, connectTimeout: role.connectTimeoutMs }
      : { autoResubscribe: true, maxRetriesPerRequest: null };
  switch (servers.mode) {
    case "standalone":
      return new Redis(servers.url, options);
    case "sentinel":
      // No failoverDetector: a client that left the old master on Sentinel's +switch-master while
      // another instance's client still published there would miss those events for good. Without
      // it every client stays on the old master until Sentinel demotes it, which closes all of its
      // connections at once (CLIENT KILL), so publishers and subscribers move together.
      return new Redis({ ...options, sentinels: [...servers.sentinels], name: servers.masterName, username: servers.username, password: servers.password });
    case "cluster": {
      const { enableOfflineQueue, ...nodeOptions } = options;
      return new Cluster([...servers.nodes], {
        enableOfflineQueue,
        // Commands fail at once when a node's connection closes or the cluster is down, instead
        // of waiting in ioredis's retry queue: a publish retried there after the relay had given
        // up on it would reach its channel after later events the relay sent meanwhile, and a
        // subscriber drops an event older than one it already has.
        ...(role.kind === "commands" ? { retryDelayOnFailover: 0, retryDelayOnClusterDown: 0 } : {}),
        // Read the slot map every 5 s, not only after a MOVED: a master that comes back, or a
        // replica promoted in its place, is connected again before a command has to fail first.
        slotsRefreshInterval: 5000,
        redisOptions: { ...nodeOptions, username: servers.username, password: servers.password },
        shardedSubscribers: role.kind === "subscriber",
        enableAutoPipelining: role.kind === "commands" && role.pipelined === true,
      });
    }
  }
}

/**
 * Resolves when Redis answers; rejects (within the command timeout) when it does not. A Cluster
 * answers when it is connected and the master of every slot does: events go to channels in any
 * slot, and rate limits to keys in any slot.
 */
export async function pingRedis(connection: RedisConnection): Promise<void> {
  if (connection instanceof Redis) {
    await connection.ping();
    return;
  }
  if (connection.status !== "ready") throw new Error(`cluster connection is ${connection.status}`);
  const connected = new Map(connection.nodes("master").map((node) => [`${node.options.host}:${node.options.port}`, node]));
  const masters = new Set(connection.slots.map((nodes) => nodes[0]));
  await Promise.all(
    [...masters].map(async (master) => {
      const node = master && connected.get(master);
      if (!node) throw new Error(`no connection to the master ${master ?? "of some slots"}`);
      await node.ping();
    }),
  );
}
