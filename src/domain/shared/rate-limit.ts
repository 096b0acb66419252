/**
 * The rate-limit port: actions a caller may take only so often. Resolvers count an action before
 * running it; an adapter (src/infra/rate-limiter.ts) decides, per user or per client address.
 */
export type RateLimitedAction = "placeOrder" | "createUser" | "updateUser";

export interface RateLimiter {
  /** Counts one `action` for `caller`; throws `RateLimitedError` when over the limit. */
  consume(action: RateLimitedAction, caller: string): Promise<void>;
}

/** The caller did `action` too often; it may again in `retryAfterSeconds`. */
export class RateLimitedError extends Error {
  override readonly name = "RateLimitedError";
  readonly retryAfterSeconds: number;
  constructor(action: RateLimitedAction, retryAfterSeconds: number) {
    super(`Too many ${action} requests; retry in ${retryAfterSeconds} s.`);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}
