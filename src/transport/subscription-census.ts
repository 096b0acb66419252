/**
 * How many subscriptions each caller has open on this instance, over every transport: the
 * per-user limit counts WebSocket operations and server-sent event streams together, so a
 * client cannot double its share by using both.
 *
 * Each transport registers a source that counts its own subscriptions for a caller (WebSocket:
 * the operations of the caller's connections; server-sent events: the caller's open streams).
 */
import type { GraphQLError } from "graphql";
import type { Viewer } from "../domain/access/viewer.ts";
import { apiError, ErrorCode } from "../error-codes.ts";

/** Who a subscription belongs to, for the per-user limit: role and user (an admin without a user id is `admin:-`). */
export const callerOf = (viewer: Viewer): string => (viewer.kind === "anonymous" ? "anonymous" : `${viewer.kind}:${viewer.userId ?? "-"}`);

export type SubscriptionCensus = ReturnType<typeof createSubscriptionCensus>;

export function createSubscriptionCensus() {
  const sources = new Set<(caller: string) => number>();
  return {
    /** Adds a transport's count; returns a function that removes it. */
    addSource(count: (caller: string) => number): () => void {
      sources.add(count);
      return () => sources.delete(count);
    },
    /** The caller's open subscriptions on every transport. */
    count(caller: string): number {
      let total = 0;
      for (const source of sources) total += source(caller);
      return total;
    },
  };
}

/** The refusal for one subscription too many. */
export const tooManySubscriptions = (limit: "connection" | "user", max: number): GraphQLError =>
  apiError(ErrorCode.TOO_MANY_SUBSCRIPTIONS, `Too many subscriptions: at most ${max} per ${limit} at once. Complete one first.`, { extensions: { limit: max } });
