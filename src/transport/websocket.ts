/**
 * GraphQL over WebSocket (graphql-transport-ws, via graphql-ws's `ws` adapter), running every
 * operation through yoga's envelop, so validation, limits, the anonymous gate, error masking,
 * logging and metrics are the same as over HTTP.
 *
 * What is WebSocket's own lives here: a token is required in connection_init and the socket
 * closes when it expires; subscriptions are limited per connection and per user; a subscriber
 * that stops reading is closed (1013) so it resumes with `after:` instead of holding memory;
 * identical subscriptions share one execution per event (shared-subscriptions.ts).
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { GraphQLError, type DocumentNode, type ExecutionArgs, type GraphQLSchema } from "graphql";
import { CloseCode, type ServerOptions } from "graphql-ws";
import { useServer } from "graphql-ws/use/ws";
import type { YogaServerInstance } from "graphql-yoga";
import { WebSocketServer, type WebSocket } from "ws";
import type { Context, OperationOrigin } from "../context.ts";
import type { Viewer } from "../domain/access/viewer.ts";
import { apiError, ErrorCode } from "../error-codes.ts";
import type { TokenVerifier } from "../infra/auth/token-verifier.ts";
import type { Logger } from "../observability/logger.ts";
import type { Metrics } from "../observability/metrics.ts";
import type { Options } from "../options.ts";
import { MAX_VARIABLE_DEPTH, nestedDeeperThan, variablesTooDeepError } from "../plugins/request-limits.ts";
import { nodeHeaders, viewerOfHeader, type RequestOrigins } from "./request-origin.ts";
import { adHocRefused, documentIdOf, unknownDocument, type TrustedDocuments } from "./trusted-documents.ts";
import { createSharedSubscriptions, groupKeyOf, type SharedSubscriber } from "./shared-subscriptions.ts";
import { callerOf, tooManySubscriptions, type SubscriptionCensus } from "./subscription-census.ts";

/** WebSocket close codes of RFC 6455 that graphql-ws's `CloseCode` does not name. */
export const WebSocketCloseCode = {
  /** The server is shutting down; reconnect (elsewhere). */
  GoingAway: 1001,
  /** The subscriber fell too far behind; reconnect and resume with `after:`. */
  TryAgainLater: 1013,
} as const;

export interface WebSocketServingDeps {
  /** Runs each operation: `yoga.getEnveloped` is its pipeline. */
  readonly yoga: YogaServerInstance<Record<string, unknown>, Context>;
  readonly verifyToken: TokenVerifier;
  readonly origins: RequestOrigins;
  /** Documents a request may name by id instead of sending them. */
  readonly trustedDocuments: TrustedDocuments;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Every transport's subscriptions per caller, for the per-user limit. */
  readonly census: SubscriptionCensus;
  readonly options: Pick<Options, "subscriptions" | "maxBodyBytes">;
  /** The path served; an upgrade to any other is answered 404. */
  readonly path: string;
}

export interface WebSocketServing {
  readonly server: WebSocketServer;
  /** Takes an HTTP upgrade: to graphql-ws on the GraphQL path, 404 elsewhere. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Closes every client with 1001 (going away) and the server. */
  close(): Promise<void>;
}

/** What the WebSocket path hands yoga's context function: the operation's origin, complete (and its id, for what logs before the context exists). */
export interface WebSocketInitialContext {
  readonly origin: OperationOrigin;
  readonly requestId: string;
}

/** What `yoga.getEnveloped` hands back: yoga's pipeline, bound to one WebSocket operation. */
interface Enveloped {
  schema: GraphQLSchema;
  execute: (args: ExecutionArgs) => unknown;
  subscribe: (args: ExecutionArgs) => unknown;
  contextFactory: () => Promise<Context>;
  parse: (source: string) => DocumentNode;
  validate: (schema: GraphQLSchema, document: DocumentNode) => readonly GraphQLError[];
}

/** The arguments graphql-ws passes back to `execute`/`subscribe`: yoga's pipeline rides along as the root value. */
type EnvelopedArgs = ExecutionArgs & {
  rootValue: Pick<Enveloped, "execute" | "subscribe">;
  /** Which shared group the subscription joins (null: its own), and where its messages go. */
  shared: { key: string | null; subscriber: SharedSubscriber };
};

type Extra = { request: IncomingMessage; socket: WebSocket; viewer?: Viewer; expiry?: NodeJS.Timeout };
type Connection = { readonly subscriptions: Record<string, unknown>; readonly extra: Extra };

/** Errors as a WebSocket client gets them: without the `http` extension, which is for HTTP responses. */
function withoutHttpDetails<T>(result: T | readonly GraphQLError[]): T | readonly GraphQLError[] {
  if (!Array.isArray(result)) return result;
  return (result as readonly GraphQLError[]).map((error) => {
    if (!error.extensions?.http) return error;
    const { http: _http, ...extensions } = error.extensions;
    return new GraphQLError(error.message, { nodes: error.nodes, source: error.source, positions: error.positions, path: error.path, originalError: error.originalError, extensions });
  });
}

export function createWebSocketServing({ yoga, verifyToken, origins, trustedDocuments, logger, metrics, census, options, path }: WebSocketServingDeps): WebSocketServing {
  const { perConnection, perUser, maxUnsentBytesPerSocket, maxUnsentBytesTotal, connectionInitWaitTimeoutMs, keepAliveMs } = options.subscriptions;
  const server = new WebSocketServer({ noServer: true, maxPayload: options.maxBodyBytes });
  const sharedSubscriptions = createSharedSubscriptions({
    maxUnsentBytes: maxUnsentBytesPerSocket,
    onMembers: (change) => metrics.subscriptions.inc(change),
  });

  /** Each signed-in caller's open connections on this instance, for the per-user limit. */
  const connectionsByCaller = new Map<string, Set<Connection>>();
  const removeFromCensus = census.addSource((caller) => {
    let count = 0;
    for (const connection of connectionsByCaller.get(caller) ?? []) count += Object.keys(connection.subscriptions).length;
    return count;
  });
  const tooMany = (limit: "connection" | "user", max: number) => {
    metrics.refusedSubscriptions.inc({ limit });
    return [tooManySubscriptions(limit, max)];
  };

  /** A subscriber that stopped taking events: its connection closes (1013, try again later) so it resumes with `after:`. */
  const slowClosed = new WeakSet<WebSocket>();
  const closeSlowSocket = (socket: WebSocket, reason: string) => {
    if (slowClosed.has(socket)) return;
    slowClosed.add(socket);
    metrics.slowSubscribers.inc();
    logger.warn({ unsentBytes: socket.bufferedAmount, reason }, "closing a WebSocket whose subscriber stopped taking events");
    socket.close(WebSocketCloseCode.TryAgainLater, "Subscriber too slow; resubscribe with after:");
    // A client that reads nothing never answers the close handshake.
    setTimeout(() => socket.terminate(), 1000).unref();
  };
  const closeSlow = (extra: Extra) => closeSlowSocket(extra.socket, "over the per-connection bound");
  // Each socket may hold `maxUnsentBytesPerSocket`; all of them together at most
  // `maxUnsentBytesTotal`. Checked every second: past it, the sockets holding the most are
  // closed until the rest fit.
  const unsentWatch = setInterval(() => {
    let total = 0;
    for (const socket of server.clients) total += socket.bufferedAmount;
    if (total <= maxUnsentBytesTotal) return;
    const heaviest = [...server.clients].filter((socket) => !slowClosed.has(socket)).sort((a, b) => b.bufferedAmount - a.bufferedAmount);
    for (const socket of heaviest) {
      if (total <= maxUnsentBytesTotal || socket.bufferedAmount === 0) break;
      total -= socket.bufferedAmount;
      closeSlowSocket(socket, "over the instance-wide bound");
    }
  }, 1000);
  unsentWatch.unref();

  const graphqlWs: ServerOptions<Record<string, unknown>, Extra> = {
    connectionInitWaitTimeout: connectionInitWaitTimeoutMs,
    // A token is required over WebSocket; without a valid one the socket closes with 4403.
    // When it expires the socket closes too, and the client reconnects with a fresh one.
    onConnect: async (ctx) => {
      const header = ctx.connectionParams?.["authorization"];
      if (typeof header !== "string") return false;
      try {
        const verified = await viewerOfHeader(verifyToken, header);
        if (!verified) return false;
        ctx.extra.viewer = verified.viewer;
        const caller = callerOf(verified.viewer);
        const connections = connectionsByCaller.get(caller) ?? new Set<Connection>();
        connectionsByCaller.set(caller, connections.add(ctx));
        ctx.extra.socket.once("close", () => {
          connections.delete(ctx);
          if (connections.size === 0) connectionsByCaller.delete(caller);
        });
        // Timers hold at most 2^31-1 ms (~24.8 days): longer-lived tokens re-arm until due.
        const closeWhenExpired = () => {
          const remaining = verified.expiresAt - Date.now();
          if (remaining <= 0) ctx.extra.socket.close(CloseCode.Forbidden, "Token expired");
          else ctx.extra.expiry = setTimeout(closeWhenExpired, Math.min(remaining, 2 ** 31 - 1));
        };
        closeWhenExpired();
        ctx.extra.socket.once("close", () => clearTimeout(ctx.extra.expiry));
        return true;
      } catch {
        return false;
      }
    },
    execute: (args) => (args as EnvelopedArgs).rootValue.execute(args) as never,
    // Subscriptions that must see the same results run once per group (shared-subscriptions.ts).
    subscribe: (args) => {
      const { rootValue, shared } = args as EnvelopedArgs;
      return sharedSubscriptions.subscribe(shared.key, () => Promise.resolve(rootValue.subscribe(args)), shared.subscriber) as never;
    },
    // Errors go to the client as graphql-ws messages: HTTP details (`extensions.http`) stay behind.
    onSubscribe: async (ctx, id, payload) => withoutHttpDetails(await (async () => {
      if (payload.variables && nestedDeeperThan(payload.variables, MAX_VARIABLE_DEPTH)) return [variablesTooDeepError()];
      // Counted with this one (graphql-ws registers an operation before this hook runs).
      if (Object.keys(ctx.subscriptions).length > perConnection) return tooMany("connection", perConnection);
      const viewer = ctx.extra.viewer!;
      if (census.count(callerOf(viewer)) > perUser) return tooMany("user", perUser);
      const origin: OperationOrigin = {
        ...origins.originOf(nodeHeaders(ctx.extra.request), ctx.extra.request.socket.remoteAddress, randomUUID()),
        viewer,
        transport: "websocket",
        onSlowSubscriber: () => closeSlow(ctx.extra),
      };
      const initial: WebSocketInitialContext = { origin, requestId: origin.requestId };
      const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({ ...ctx, params: payload, ...initial }) as unknown as Enveloped;
      // A trusted document's text, as if the client had sent it; else the text it sent.
      let source = payload.query;
      const documentId = documentIdOf(payload);
      if (documentId !== null && !payload.query) {
        const trusted = trustedDocuments.get(documentId);
        if (trusted === undefined) return [unknownDocument()];
        source = trusted;
      } else if (trustedDocuments.only) {
        return [adHocRefused()];
      }
      let document: DocumentNode;
      try {
        document = parse(source);
      } catch (error) {
        return [error instanceof GraphQLError ? error : apiError(ErrorCode.GRAPHQL_PARSE_FAILED, "Syntax error in the query.")];
      }
      let errors: readonly GraphQLError[];
      try {
        errors = validate(schema, document);
      } catch (error) {
        // The cost limit throws its refusal (see plugins/operation-limits.ts).
        if (error instanceof GraphQLError) return [error];
        throw error;
      }
      if (errors.length > 0) return errors;
      const args: EnvelopedArgs = {
        schema,
        operationName: payload.operationName,
        document,
        variableValues: payload.variables,
        contextValue: await contextFactory(),
        rootValue: { execute, subscribe },
        shared: {
          key: groupKeyOf({ document, operationName: payload.operationName, variables: payload.variables, source }, callerOf(viewer)),
          subscriber: {
            id,
            send: (message) => ctx.extra.socket.send(message),
            unsentBytes: () => ctx.extra.socket.bufferedAmount,
            onTooSlow: () => closeSlow(ctx.extra),
          },
        },
      };
      return args;
    })()),
  };

  // A client's protocol violation (an oversized or malformed frame) is the client's doing, not an
  // internal error: ws already closes the socket with the right code (1009, 1002), so it is logged
  // at debug instead of reaching graphql-ws, which would print it as "Internal error".
  server.on("connection", (socket) => {
    const emit = socket.emit.bind(socket) as (event: string | symbol, ...args: unknown[]) => boolean;
    socket.emit = ((event: string | symbol, ...args: unknown[]) => {
      const code = (args[0] as { code?: unknown } | undefined)?.code;
      if (event === "error" && typeof code === "string" && code.startsWith("WS_ERR_")) {
        logger.debug({ code }, "closed a WebSocket that broke the protocol");
        return true;
      }
      return emit(event, ...args);
    }) as typeof socket.emit;
  });
  const disposable = useServer(graphqlWs, server, keepAliveMs);

  return {
    server,
    handleUpgrade(request, socket, head) {
      if (new URL(request.url ?? "/", "http://localhost").pathname !== path) {
        socket.end("HTTP/1.1 404 Not Found\r\n\r\n");
        return;
      }
      server.handleUpgrade(request, socket, head, (websocket) => server.emit("connection", websocket, request));
    },
    async close() {
      clearInterval(unsentWatch);
      removeFromCensus();
      for (const client of server.clients) client.close(WebSocketCloseCode.GoingAway, "Server shutting down");
      await disposable.dispose();
    },
  };
}
