/**
 * Subscriptions over server-sent events: GraphQL over SSE in its "distinct connections" mode,
 * one subscription per HTTP request, as the `graphql-sse` client sends it (a POST, or a GET, to
 * /graphql with `accept: text/event-stream`). yoga speaks the protocol: it answers such a
 * subscription with `event: next` / `event: complete` messages and a keep-alive comment every
 * 12 s, pulling each event only when the response has drained (backpressure). What is
 * ordergraph's own lives here, and holds the same rules as WebSocket (transport/websocket.ts):
 *
 * - The per-user limit counts these streams and WebSocket subscriptions together
 *   (subscription-census.ts). There is no per-connection limit: a stream is one subscription.
 * - A stream ends when the token it was opened with expires: its last message is a result whose
 *   error has code UNAUTHENTICATED, then `complete`. The client signs in again and resubscribes
 *   with `after:` the last event id it received, and misses nothing.
 * - A subscriber that stops reading holds no more than the event feed's bounded backlog; when it
 *   has taken nothing for `maxStallMs` its stream ends with SUBSCRIBER_TOO_SLOW (WebSocket closes
 *   with 1013 instead). It resumes with `after:`.
 * - When the instance shuts down every stream ends with SERVICE_UNAVAILABLE, so the client
 *   resubscribes (to another instance) with `after:`. In both cases a client that does not read
 *   its last message has its connection cut a second later (as WebSocket terminates it).
 * - Responses tell proxies not to buffer the stream (`x-accel-buffering: no`, and yoga's
 *   `cache-control: no-cache`).
 */
import type { ServerResponse } from "node:http";
import { Repeater } from "@repeaterjs/repeater";
import type { ExecutionResult, GraphQLError } from "graphql";
import type { Plugin } from "graphql-yoga";
import { isAsyncIterable } from "graphql-yoga";
import type { Context } from "../context.ts";
import { apiError, ErrorCode } from "../error-codes.ts";
import type { Metrics } from "../observability/metrics.ts";
import { callerOf, tooManySubscriptions, type SubscriptionCensus } from "./subscription-census.ts";

export interface ServerSentEventsDeps {
  /** Every transport's subscriptions per caller. */
  readonly census: SubscriptionCensus;
  /** Subscriptions one caller may have open on this instance, over every transport. */
  readonly perUser: number;
  readonly metrics: Metrics;
}

/** Why a stream is ended by the server: its last message says so. */
type Ending = "expired" | "tooSlow" | "shuttingDown";

const LAST_MESSAGE: Record<Ending, () => GraphQLError> = {
  expired: () =>
    apiError(ErrorCode.UNAUTHENTICATED, "Your token expired: sign in again and resubscribe with after: the last event id you received.", {
      extensions: { reason: "TOKEN_EXPIRED" },
    }),
  tooSlow: () => apiError(ErrorCode.SUBSCRIBER_TOO_SLOW, "This subscription stopped taking events; resubscribe with after: the last event id you received."),
  shuttingDown: () =>
    apiError(ErrorCode.SERVICE_UNAVAILABLE, "The server is shutting down; resubscribe with after: the last event id you received.", {
      extensions: { retryAfterSeconds: 1 },
    }),
};

/** How long a stream ended for being too slow, or by shutdown, may take to send its last bytes before its connection is cut. */
const UNREAD_GRACE_MS = 1000;

interface Stream {
  end(why: Ending): void;
}

export interface ServerSentEvents {
  /** The yoga plugin that serves subscriptions over HTTP. */
  readonly plugin: Plugin;
  /** Ends the subscription `request` carries: it stopped taking events (the event feed says so). */
  tooSlow(request: Request): void;
  /** Ends every stream (SERVICE_UNAVAILABLE) and refuses new ones: the instance is stopping. */
  close(): void;
  /** Streams open now. */
  readonly open: number;
}

export function createServerSentEvents({ census, perUser, metrics }: ServerSentEventsDeps): ServerSentEvents {
  const streams = new Map<Request, Stream>();
  const perCaller = new Map<string, number>();
  census.addSource((caller) => perCaller.get(caller) ?? 0);
  let closed = false;

  const refusal = (): ExecutionResult | undefined => {
    if (closed) return { errors: [LAST_MESSAGE.shuttingDown()] };
    return undefined;
  };

  const plugin: Plugin = {
    onResponse({ response }) {
      if (!response.headers.get("content-type")?.startsWith("text/event-stream")) return;
      response.headers.set("x-accel-buffering", "no");
      // yoga sends `content-encoding: none`, which is no content coding; identity needs no header.
      response.headers.delete("content-encoding");
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const context = args.contextValue as unknown as Context & { request?: Request; res?: ServerResponse };
      const request = context.request;
      // WebSocket subscriptions are the WebSocket transport's; only HTTP requests are streams.
      if (context.transport !== "http" || !request) return;
      const caller = callerOf(context.viewer);
      // Refused before the subscription starts (and before it touches the database).
      const refused = refusal() ?? overLimit(caller);
      if (refused) {
        setResultAndStopExecution(refused);
        return;
      }
      return {
        onSubscribeResult({ result, setResult }) {
          if (!isAsyncIterable(result)) return; // it did not start: one result, nothing to hold
          // Counted from here to the stream's end; checked again, as other streams of the same
          // caller may have started while this one was subscribing.
          const again = refusal() ?? overLimit(caller);
          if (again) {
            void result[Symbol.asyncIterator]().return?.();
            setResult(again);
            return;
          }
          setResult(heldStream(request, caller, result, context.tokenExpiresAt, context.res));
        },
      };
    },
  };

  function overLimit(caller: string): ExecutionResult | undefined {
    if (census.count(caller) < perUser) return undefined;
    metrics.refusedSubscriptions.inc({ limit: "user" });
    return { errors: [tooManySubscriptions("user", perUser)] };
  }

  /**
   * The subscription's results as the client gets them: ended by the server with a last message
   * when it must. Counted (census, metrics, shutdown) from now, before yoga starts reading it, so
   * parallel requests of one caller cannot all pass the limit; uncounted when it ends, whether it
   * ran or was returned before it started.
   */
  function heldStream(request: Request, caller: string, source: AsyncIterable<ExecutionResult>, expiresAt: number | undefined, response: ServerResponse | undefined): AsyncIterableIterator<ExecutionResult> {
    const iterator = source[Symbol.asyncIterator]();
    let expiry: NodeJS.Timeout | undefined;
    /** How the running stream ends itself; before it runs, an ending is kept for when it does. */
    let endRunning: ((why: Ending) => void) | undefined;
    let endedEarly: Ending | undefined;
    const forget = () => {
      if (streams.get(request) !== stream) return;
      streams.delete(request);
      clearTimeout(expiry);
      const left = (perCaller.get(caller) ?? 1) - 1;
      if (left > 0) perCaller.set(caller, left);
      else perCaller.delete(caller);
      metrics.subscriptions.dec();
    };
    const stream: Stream = {
      end(why) {
        if (streams.get(request) !== stream) return;
        forget();
        if (endRunning) endRunning(why);
        else endedEarly = why;
      },
    };
    streams.set(request, stream);
    perCaller.set(caller, (perCaller.get(caller) ?? 0) + 1);
    metrics.subscriptions.inc();
    // Timers hold at most 2^31-1 ms (~24.8 days): longer-lived tokens re-arm until due.
    const endWhenExpired = () => {
      const remaining = (expiresAt ?? Infinity) - Date.now();
      if (remaining <= 0) stream.end("expired");
      else if (Number.isFinite(remaining)) expiry = setTimeout(endWhenExpired, Math.min(remaining, 2 ** 31 - 1));
    };
    endWhenExpired();

    const results = new Repeater<ExecutionResult>(async (push, stop) => {
      endRunning = (why) => {
        void push({ errors: [LAST_MESSAGE[why]()] });
        stop();
        // A client that is not reading never takes that last message: its connection (and the
        // megabytes its socket holds) is cut once the rest had a moment to drain. Reset, not
        // closed: a close would leave the kernel holding the unsent bytes until the peer reads.
        if (why !== "expired" && response) setTimeout(() => response.writableFinished || response.socket?.resetAndDestroy(), UNREAD_GRACE_MS).unref();
      };
      if (endedEarly) endRunning(endedEarly);
      // Stopping ends the source, which ends a `next()` still waiting for an event.
      void stop.then(() => iterator.return?.());
      // Events are taken one at a time, each after the client took the one before.
      void (async () => {
        try {
          for (let step = await iterator.next(); !step.done; step = await iterator.next()) await push(step.value);
          stop();
        } catch (error) {
          stop(error);
        }
      })();
      await stop;
      forget();
    });
    const held: AsyncIterableIterator<ExecutionResult> = {
      next: () => results.next(),
      return: (value?: unknown) => {
        forget();
        return results.return(value);
      },
      throw: (error?: unknown) => {
        forget();
        return results.throw(error);
      },
      [Symbol.asyncIterator]: () => held,
    };
    return held;
  }

  return {
    plugin,
    tooSlow(request) {
      const stream = streams.get(request);
      if (!stream) return;
      metrics.slowSubscribers.inc();
      stream.end("tooSlow");
    },
    close() {
      closed = true;
      for (const stream of [...streams.values()]) stream.end("shuttingDown");
    },
    get open() {
      return streams.size;
    },
  };
}

