/**
 * ordergraph on a Redis Cluster of three masters: instances exchange events over sharded pub/sub
 * (each channel on the master that owns its slot; no classic PUBLISH or SUBSCRIBE anywhere), rate
 * limits count in the cluster across instances, readiness and redis_up follow every master, and
 * events published while a master is down arrive once it is back, once each.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Instance } from "../../src/instance.ts";
import { channelFor } from "../../src/infra/events/event-bus.ts";
import { createUser, outboxDrained, placeOrder, post, rawId, startTestInstance, uniqueChannelPrefix } from "../support/instances.ts";
import { startRedisCluster, type RedisCluster } from "../support/redis-cluster.ts";
import { subscribe } from "../support/subscriber.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { expectEveryEventOnce, redisHealth } from "./every-event-once.ts";
import { describeTwoInstances } from "./two-instances-suite.ts";

let cluster: RedisCluster;
beforeAll(async () => {
  cluster = await startRedisCluster({ password: "cluster-secret" });
});
afterAll(() => cluster?.stop());

describeTwoInstances("over a Redis Cluster", () => ({ servers: cluster.servers, waitForSubscribers: (channel) => cluster.waitForShardSubscribers(channel) }));

describe("on a Redis Cluster", () => {
  let db: TestDatabase;
  const instances: Instance[] = [];
  const start = async (options: { channelPrefix: string; rateLimits?: { createUserPerMinute: number } }) => {
    const instance = await startTestInstance({ databaseUrl: db.url, migrate: false, redis: cluster.servers, ...options });
    instances.push(instance);
    return instance;
  };
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  // Instances sharing an outbox must share a channel prefix (any relay publishes any event), so
  // each test's instances, on a prefix of their own, are gone before the next test starts others.
  afterEach(async () => {
    await Promise.all(instances.splice(0).map((instance) => instance.close()));
  });
  afterAll(async () => {
    await db?.drop();
  });

  /** Each master's answer to `command`, by port. */
  const onEachMaster = async <T>(command: (node: RedisCluster["nodes"][number]) => Promise<T>) => new Map(await Promise.all(cluster.nodes.map(async (node, index) => [cluster.ports[index]!, await command(node)] as const)));

  it("subscribes and publishes with sharded pub/sub: each channel only on the master that owns its slot", async () => {
    const prefix = uniqueChannelPrefix();
    const [a, b] = [await start({ channelPrefix: prefix }), await start({ channelPrefix: prefix })];
    const user = await createUser(a, "sharded@example.com");
    const order = await placeOrder(a, user);
    await outboxDrained(a);
    const subscriptions = [
      subscribe(b.websocketUrl, `subscription { userEvents { id type } }`),
      subscribe(b.websocketUrl, `subscription($u: ID) { orderEvents(userId: $u) { id type } }`, { u: user }),
      subscribe(b.websocketUrl, `subscription($o: ID) { orderEvents(orderId: $o) { id type } }`, { o: order }),
    ];
    const channels = [channelFor(prefix, { stream: "user" }), channelFor(prefix, { stream: "order", userId: rawId(user) }), channelFor(prefix, { stream: "order", orderId: rawId(order) })];
    for (const channel of channels) await cluster.waitForShardSubscribers(channel);

    const owners = new Map(await Promise.all(channels.map(async (channel) => [channel, await cluster.ownerOf(channel)] as const)));
    const shardChannels = await onEachMaster(async (node) => ((await node.pubsub("SHARDCHANNELS", `${prefix}:*`)) as string[]).sort());
    for (const port of cluster.ports) expect(shardChannels.get(port), `shard channels on ${port}`).toEqual(channels.filter((channel) => owners.get(channel) === port).sort());
    // Nothing subscribed the classic way, which Redis Cluster would broadcast to every node.
    expect([...(await onEachMaster((node) => node.pubsub("CHANNELS", `${prefix}:*`))).values()]).toEqual([[], [], []]);
    for (const counts of (await onEachMaster((node) => node.pubsub("NUMSUB", ...channels))).values()) expect(counts).toEqual(channels.flatMap((channel) => [channel, 0]));

    await post(a, `mutation($id: ID!) { updateUser(input: { id: $id, name: "Sharded" }) { errors { code } } }`, { id: user });
    await post(a, `mutation($id: ID!) { confirmOrder(input: { id: $id }) { errors { code } } }`, { id: order });
    expect((await subscriptions[0]!.waitFor(1)).map((event) => event.userEvents.type)).toEqual(["USER_UPDATED"]);
    expect((await subscriptions[1]!.waitFor(1)).map((event) => event.orderEvents.type)).toEqual(["ORDER_CONFIRMED"]);
    expect((await subscriptions[2]!.waitFor(1)).map((event) => event.orderEvents.type)).toEqual(["ORDER_CONFIRMED"]);
    // Published with SPUBLISH on the owners, never with PUBLISH (on any node, in any test of this file).
    const commandCalls = await onEachMaster(async (node) => {
      const stats = await node.info("commandstats");
      const calls = (command: string) => Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(stats)?.[1] ?? 0);
      return { publish: calls("publish"), spublish: calls("spublish") };
    });
    for (const port of new Set(owners.values())) expect(commandCalls.get(port)!.spublish, `SPUBLISH on ${port}`).toBeGreaterThan(0);
    expect([...commandCalls.values()].map((calls) => calls.publish)).toEqual([0, 0, 0]);
    await Promise.all(subscriptions.map((subscription) => subscription.close()));
  });

  it("refuses over the rate limit, counting in the cluster for every instance", async () => {
    const prefix = uniqueChannelPrefix();
    const [a, b] = [await start({ channelPrefix: prefix, rateLimits: { createUserPerMinute: 2 } }), await start({ channelPrefix: prefix, rateLimits: { createUserPerMinute: 2 } })];
    const signUp = async (instance: Instance, n: number) => {
      const response = await fetch(instance.url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: `mutation { createUser(input: { email: "cluster-limit-${n}@example.com", name: "L" }) { errors { code } } }` }),
      });
      return (await response.json()) as { data?: { createUser: { errors: unknown[] } }; errors?: { extensions: { code: string } }[] };
    };
    expect((await signUp(a, 1)).data?.createUser.errors).toEqual([]);
    expect((await signUp(b, 2)).data?.createUser.errors).toEqual([]);
    // Each instance has seen one sign-up; only a count kept in Redis knows this is the third.
    expect((await signUp(a, 3)).errors?.[0]?.extensions.code).toBe("RATE_LIMITED");
    expect((await signUp(b, 4)).errors?.[0]?.extensions.code).toBe("RATE_LIMITED");
    const keys = await onEachMaster(async (node) => node.keys(`${prefix}:rate:*`));
    const found = [...keys].flatMap(([port, names]) => names.map((name) => ({ port, name })));
    expect(found).toHaveLength(1);
    expect(await cluster.ownerOf(found[0]!.name)).toBe(found[0]!.port);
  });

  it("reports a master that is down in readiness and redis_up, and delivers what was committed meanwhile once it is back, once each", async () => {
    const prefix = uniqueChannelPrefix();
    const [a, b] = [await start({ channelPrefix: prefix }), await start({ channelPrefix: prefix })];
    expect(await redisHealth(a)).toEqual({ ready: "ok", up: "1" });
    const owner = await cluster.ownerOf(channelFor(prefix, { stream: "order" }));
    await expectEveryEventOnce({
      db,
      a,
      b,
      prefix,
      waitForSubscribers: (channel, count) => cluster.waitForShardSubscribers(channel, count),
      name: "master-down",
      async disruption() {
        await cluster.kill(owner); // the master of the orders' firehose
        await expect.poll(() => redisHealth(a), { timeout: 5000 }).toEqual({ ready: expect.stringMatching(/^degraded: /), up: "0" });
        await new Promise((resolve) => setTimeout(resolve, 500)); // mutations go on meanwhile
        await cluster.start(owner);
      },
    });
    await expect.poll(() => redisHealth(a), { timeout: 10_000 }).toEqual({ ready: "ok", up: "1" });
  });

  it("delivers every committed event exactly once when subscriber connections drop while events are published", async () => {
    const prefix = uniqueChannelPrefix();
    const [a, b] = [await start({ channelPrefix: prefix }), await start({ channelPrefix: prefix })];
    await expectEveryEventOnce({
      db,
      a,
      b,
      prefix,
      waitForSubscribers: (channel, count) => cluster.waitForShardSubscribers(channel, count),
      name: "subscribers-dropped",
      // Publishing goes on meanwhile, so events are published while a subscriber is away: only
      // the catch-up from the outbox can deliver those.
      async disruption() {
        for (let drop = 0; drop < 8; drop++) {
          await new Promise((resolve) => setTimeout(resolve, 200));
          expect(await cluster.dropSubscribers()).toBeGreaterThan(0);
        }
      },
    });
  });
});
