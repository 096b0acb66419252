/**
 * Per-caller rate limits (rate-limiter-flexible): in Redis when configured, so they hold across
 * instances; in memory otherwise. A caller is its user id, or its IP address when anonymous.
 * When Redis does not answer within 250 ms, rate-limiter-flexible's in-memory insurance limiter
 * (same limits, counted per instance) answers instead.
 *
 * Every mode works alike: RateLimiterRedis takes any ioredis client, a Cluster included, and its
 * Lua script touches one key (the caller's counter), so in a Cluster it runs on that key's shard.
 */
import { RateLimitedError, type RateLimitedAction, type RateLimiter } from "../domain/shared/rate-limit.ts";
import type { Options, RedisServers } from "../options.ts";
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
import { connectRedis } from "./redis-connection.ts";

export interface ClosableRateLimiter extends RateLimiter {
  close(): Promise<void>;
}

/** How long a rate-limit check waits for Redis before the per-instance limiter answers. */
export const REDIS_COMMAND_TIMEOUT_MS = 250;

/** `keyPrefix`: options.ts's channelPrefix, so deployments sharing a Redis keep their counts apart. */
export function createRateLimiter(limits: Options["rateLimits"], options: { redis?: RedisServers; keyPrefix: string }): ClosableRateLimiter {
  // A command unanswered for 250 ms (Redis paused, a black hole) fails, and the in-memory
  // insurance limiter decides instead: a Redis outage never holds a mutation for longer.
  const redis = options.redis && connectRedis(options.redis, { kind: "commands", commandTimeoutMs: REDIS_COMMAND_TIMEOUT_MS, connectTimeoutMs: 2000 });
  redis?.on("error", () => {}); // reported by readiness; while Redis is away each instance limits on its own
  const make = (name: RateLimitedAction, points: number): RateLimiterAbstract => {
    const base = { keyPrefix: `${options.keyPrefix}:rate:${name}`, points, duration: 60 };
    return redis ? new RateLimiterRedis({ ...base, storeClient: redis, insuranceLimiter: new RateLimiterMemory(base) }) : new RateLimiterMemory(base);
  };
  const limiters: Record<RateLimitedAction, RateLimiterAbstract> = {
    placeOrder: make("placeOrder", limits.placeOrderPerMinute),
    createUser: make("createUser", limits.createUserPerMinute),
    updateUser: make("updateUser", limits.updateUserPerMinute),
  };
  return {
    async consume(action, caller) {
      try {
        await limiters[action].consume(caller);
      } catch (rejection) {
        if (rejection instanceof RateLimiterRes) throw new RateLimitedError(action, Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)));
        throw rejection;
      }
    },
    async close() {
      await redis?.quit().catch(() => redis.disconnect());
    },
  };
}
