/** Subscriptions across two instances sharing one Redis server. */
import { afterAll, beforeAll } from "vitest";
import { redisForTests, waitForSubscribers } from "../support/redis.ts";
import { describeTwoInstances } from "./two-instances-suite.ts";

let redis: Awaited<ReturnType<typeof redisForTests>>;
beforeAll(async () => {
  redis = await redisForTests();
});
afterAll(() => redis?.stop());

describeTwoInstances("over one Redis server", () => ({ servers: redis.servers, waitForSubscribers: (channel) => waitForSubscribers(redis.url, channel) }));
