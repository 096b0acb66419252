/**
 * createApp builds the GraphQL handlers from their dependencies and does not listen: HTTP through
 * graphql-yoga, WebSocket subscriptions through graphql-ws on yoga's envelop, so validation,
 * limits, error masking, logging and metrics apply to both. instance.ts attaches them to a server.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { renderGraphiQL } from "@graphql-yoga/render-graphiql";
import { GraphQLError, OperationTypeNode, type DocumentNode, type ExecutionArgs, type GraphQLSchema } from "graphql";
import type { ServerOptions } from "graphql-ws";
import { useServer } from "graphql-ws/use/ws";
import { useGraphQlJit } from "@envelop/graphql-jit";
import { useCSRFPrevention } from "@graphql-yoga/plugin-csrf-prevention";
import { useDisableIntrospection } from "@graphql-yoga/plugin-disable-introspection";
import { createYoga, type YogaServerInstance } from "graphql-yoga";
import { WebSocketServer, type WebSocket } from "ws";
import type { Context, OperationOrigin } from "./context.ts";
import type { Viewer } from "./domain/access/viewer.ts";
import type { TokenVerifier } from "./infra/auth/token-verifier.ts";
import { useAnonymousGate, viewerOfHeader } from "./plugins/authentication.ts";
import type { RequestMetadata } from "./domain/shared/request-metadata.ts";
import type { Logger } from "./observability/logger.ts";
import { useErrorMasking } from "./plugins/error-masking.ts";
import { useHttpEndpoints, type ReadinessReport } from "./plugins/http-endpoints.ts";
import { createMetrics, type Metrics } from "./observability/metrics.ts";
import { useNulGuard } from "./plugins/nul-guard.ts";
import { useObservability } from "./plugins/observability.ts";
import { useOperationLimits, type OperationLimits } from "./plugins/operation-limits.ts";
import { safeError } from "./observability/safe-error.ts";
import { useOperationBudget } from "./plugins/operation-budget.ts";
import { createSharedSubscriptions, groupKeyOf, type SharedSubscriber } from "./transport/shared-subscriptions.ts";
import { MAX_VARIABLE_DEPTH, nestedDeeperThan, useRequestBodyLimit, useVariableDepthLimit, variablesTooDeepError } from "./plugins/request-limits.ts";
import { operationsOf, selectedOperation } from "./documents.ts";

export interface AppDeps {
  readonly schema: GraphQLSchema;
  /** Builds the per-operation context. */
  readonly createContext: (origin: OperationOrigin) => Context;
  /** Verifies bearer tokens. */
  readonly verifyToken: TokenVerifier;
  /** A token GraphiQL sends by default over HTTP and WebSocket (development only). */
  readonly graphiqlToken?: string;
  /**
   * Proxies in front of the server whose X-Forwarded-For entries are trusted, counted from the
   * right (default 0: the connecting address identifies a client).
   */
  readonly trustedProxyHops?: number;
  readonly logger: Logger;
  /** Serve GraphiQL to browsers at the GraphQL path (default true). */
  readonly graphiql?: boolean;
  /** How long a WebSocket client has to send `connection_init` (default 3000 ms; then 4408). */
  readonly connectionInitWaitTimeoutMs?: number;
  /** Interval of WebSocket pings; a client that misses a pong is dropped (default 12000 ms). */
  readonly keepAliveMs?: number;
  /** Depth, alias, token, directive and cost limits (default DEFAULT_LIMITS). */
  readonly limits?: OperationLimits;
  /** Longest a query or mutation may run (default 10000 ms). */
  readonly operationTimeoutMs?: number;
  /** Queries and mutations executing at once; more get SERVICE_UNAVAILABLE (default: no limit). */
  readonly maxConcurrentOperations?: number;
  /** Bytes a WebSocket may hold unsent before its subscriber is closed as too slow (default 4 MiB). */
  readonly maxUnsentBytesPerSocket?: number;
  /** Bytes all WebSockets together may hold unsent; past it the fullest are closed as too slow (default 256 MiB). */
  readonly maxUnsentBytesTotal?: number;
  /** Operations (subscriptions) running at once on one WebSocket, and for one user on this instance (default 100 and 500). */
  readonly subscriptionLimits?: { readonly perConnection: number; readonly perUser: number };
  /** Largest HTTP request body (default 1 MiB; larger: 413). */
  readonly maxBodyBytes?: number;
  /** Largest WebSocket message (default 1 MiB; larger: the socket closes with 1009). */
  readonly websocketMaxPayloadBytes?: number;
  /** Answer introspection queries (default true). */
  readonly introspection?: boolean;
  /** Origins allowed by CORS: "*" for any, a list, or false for no CORS headers (default false). */
  readonly corsOrigins?: "*" | readonly string[] | false;
  /** Metrics registry and instruments (default: a fresh registry). */
  readonly metrics?: Metrics;
  /** Development mode: masked errors may carry details for the developer (default false). */
  readonly development?: boolean;
  /** What /health/ready reports (default: always ready). */
  readonly readiness?: () => Promise<ReadinessReport>;
  /** Null while operations can be served; otherwise why not, answered with 503 (default: always served). */
  readonly unavailable?: () => string | null;
}

export const DEFAULT_LIMITS: OperationLimits = {
  maxDepth: 12,
  maxAliases: 30,
  maxTokens: 2000,
  maxDirectives: 20,
  maxCost: 100_000,
  blockFieldSuggestions: false,
};

const MIB = 1024 * 1024;

export interface App {
  /** The HTTP handler: `yoga.fetch` for tests, `yoga.requestListener` for node:http. */
  readonly yoga: YogaServerInstance<Record<string, unknown>, Context>;
  readonly metrics: Metrics;
  /** graphql-ws on a WebSocketServer without a port: route HTTP upgrades to it. */
  readonly websockets: {
    readonly server: WebSocketServer;
    /** Closes every client with 1001 (going away) and the server. */
    close(): Promise<void>;
  };
}

export const GRAPHQL_PATH = "/graphql";

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

/** What yoga's context function receives: an HTTP request, or our fields for a WebSocket operation. */
type InitialContext = {
  request?: Request;
  req?: { socket?: { remoteAddress?: string } };
  websocket?: { requestId: string; metadata: RequestMetadata; viewer: Viewer; clientAddress?: string; transport: "websocket"; onSlowSubscriber: () => void };
};

export function createApp(deps: AppDeps): App {
  const { schema, createContext, logger, graphiql = true, connectionInitWaitTimeoutMs = 3000, keepAliveMs = 12_000 } = deps;
  const metrics = deps.metrics ?? createMetrics();
  const requestIds = new WeakMap<Request, string>();
  const requestIdOf = (request: Request) => {
    let id = requestIds.get(request);
    if (!id) {
      const given = request.headers.get("x-request-id");
      id = given && REQUEST_ID.test(given) ? given : randomUUID();
      requestIds.set(request, id);
    }
    return id;
  };
  const traceparentOf = (value: string | null | undefined) => (value && TRACEPARENT.test(value) ? { traceparent: value } : {});
  const hops = deps.trustedProxyHops ?? 0;
  /** The client's address: the connection's, or what the trusted proxies say it was. */
  const clientAddressOf = (forwarded: string | string[] | null | undefined, connected: string | undefined) => {
    if (hops === 0 || !forwarded) return connected;
    const chain = (Array.isArray(forwarded) ? forwarded.join(",") : forwarded).split(",").map((part) => part.trim());
    return chain[chain.length - hops] ?? connected;
  };

  const yoga = createYoga<Record<string, unknown>, Context>({
    schema,
    graphqlEndpoint: GRAPHQL_PATH,
    landingPage: false,
    graphiql: graphiql && {
      title: "ordergraph",
      defaultQuery: GRAPHIQL_DEFAULT_QUERY,
      subscriptionsProtocol: "WS",
      ...(deps.graphiqlToken && {
        headers: JSON.stringify({ Authorization: `Bearer ${deps.graphiqlToken}` }),
        // Passed through to GraphiQL's graphql-ws client as its connection_init payload.
        connectionParams: { authorization: `Bearer ${deps.graphiqlToken}` },
      }),
    },
    // GraphiQL's assets are served from this package, not a CDN, so it works offline.
    renderGraphiQL,
    // yoga logs (message, ...details) or an Error: one readable line either way.
    logging: {
      debug: (...args) => logger.debug(...yogaLogLine(args)),
      info: (...args) => logger.info(...yogaLogLine(args)),
      warn: (...args) => logger.warn(...yogaLogLine(args)),
      error: (...args) => logger.error(...yogaLogLine(args)),
    },
    // Our own plugin masks resolver errors (with request ids); yoga's masking remains for the
    // rest, and only in development does it attach details.
    maskedErrors: { isDev: deps.development ?? false },
    cors: deps.corsOrigins ? { origin: deps.corsOrigins === "*" ? "*" : [...deps.corsOrigins], credentials: false, maxAge: 600 } : false,
    context: async (initial: InitialContext) => {
      if (initial.websocket) return createContext(initial.websocket);
      const request = initial.request!;
      const verified = await viewerOfHeader(deps.verifyToken, request.headers.get("authorization"));
      return createContext({
        requestId: requestIdOf(request),
        metadata: traceparentOf(request.headers.get("traceparent")),
        ...(verified ? { viewer: verified.viewer } : {}),
        clientAddress: clientAddressOf(request.headers.get("x-forwarded-for"), initial.req?.socket?.remoteAddress),
      });
    },
    plugins: [
      {
        onResponse({ request, response }) {
          response.headers.set("x-request-id", requestIdOf(request));
          // The GraphiQL page may carry a development token: never readable cross-origin.
          if (response.headers.get("content-type")?.startsWith("text/html")) {
            for (const header of ["access-control-allow-origin", "access-control-allow-credentials"]) response.headers.delete(header);
          }
        },
      },
      useHttpEndpoints({
        readiness: deps.readiness ?? (() => Promise.resolve({ ready: true, checks: {} })),
        registry: metrics.registry,
        unavailable: deps.unavailable ?? (() => null),
        graphqlPath: GRAPHQL_PATH,
      }),
      useRequestBodyLimit(deps.maxBodyBytes ?? MIB),
      useVariableDepthLimit(),
      // Browsers send a JSON POST only after a CORS preflight; anything a page could send without
      // one (a GET, a form post) must carry this header, which a cross-site page cannot add.
      useCSRFPrevention({ requestHeaders: ["x-graphql-csrf", "graphql-preflight"] }),
      ...(deps.introspection === false ? [useDisableIntrospection()] : []),
      ...useOperationLimits(deps.limits ?? DEFAULT_LIMITS),
      useAnonymousGate(),
      useNulGuard(),
      // Compiled execution for queries (the hot read path): each distinct query is compiled once
      // into plain JavaScript. Mutations are few and subscriptions keep the reference executor.
      useGraphQlJit({}, { enableIf: (args) => isCompilable(args.document, args.operationName) }),
      // Queries and mutations: a bounded number at once, each against a deadline.
      useOperationBudget({
        timeoutMs: deps.operationTimeoutMs ?? 10_000,
        maxConcurrent: deps.maxConcurrentOperations ?? Infinity,
        isQuery: (args) => isQuery(args.document, args.operationName),
        graphqlPath: GRAPHQL_PATH,
      }),
      // Masking first, so the operation log and metrics record the codes clients get.
      useErrorMasking(logger),
      useObservability(logger, metrics),
    ],
  });

  const websocketServer = new WebSocketServer({ noServer: true, maxPayload: deps.websocketMaxPayloadBytes ?? MIB });
  type EnvelopedArgs = ExecutionArgs & {
    rootValue: { execute: (args: ExecutionArgs) => unknown; subscribe: (args: ExecutionArgs) => unknown };
    /** Which shared group the subscription joins (null: its own), and where its messages go. */
    shared: { key: string | null; subscriber: SharedSubscriber };
  };
  /** What `yoga.getEnveloped` hands back: yoga's pipeline, bound to one WebSocket operation. */
  type Enveloped = {
    schema: GraphQLSchema;
    execute: (args: ExecutionArgs) => unknown;
    subscribe: (args: ExecutionArgs) => unknown;
    contextFactory: () => Promise<Context>;
    parse: (source: string) => DocumentNode;
    validate: (schema: GraphQLSchema, document: DocumentNode) => readonly GraphQLError[];
  };
  type Extra = { request: IncomingMessage; socket: WebSocket; viewer?: Viewer; expiry?: NodeJS.Timeout };
  type Connection = { readonly subscriptions: Record<string, unknown>; readonly extra: Extra };
  const { perConnection = 100, perUser = 500 } = deps.subscriptionLimits ?? {};
  const sharedSubscriptions = createSharedSubscriptions({
    maxUnsentBytes: deps.maxUnsentBytesPerSocket,
    onMembers: (change) => metrics.subscriptions.inc(change),
  });
  /** Each signed-in caller's open connections on this instance, for the per-user limit. */
  const connectionsByCaller = new Map<string, Set<Connection>>();
  const callerOf = (viewer: Viewer) => (viewer.kind === "anonymous" ? "anonymous" : `${viewer.kind}:${viewer.userId ?? "-"}`);
  const operationsOf = (connections: Iterable<Connection>) => {
    let count = 0;
    for (const connection of connections) count += Object.keys(connection.subscriptions).length;
    return count;
  };
  const tooMany = (limit: "connection" | "user", max: number) => {
    metrics.refusedSubscriptions.inc({ limit });
    return [
      new GraphQLError(`Too many subscriptions: at most ${max} per ${limit === "connection" ? "connection" : "user"} at once. Complete one first.`, {
        extensions: { code: "TOO_MANY_SUBSCRIPTIONS", limit: max },
      }),
    ];
  };
  /** A subscriber that stopped taking events: close its connection (1013, try again later) so it resumes with `after:`. */
  const slowClosed = new WeakSet<WebSocket>();
  const closeSlowSocket = (socket: WebSocket, reason: string) => {
    if (slowClosed.has(socket)) return;
    slowClosed.add(socket);
    metrics.slowSubscribers.inc();
    logger.warn({ unsentBytes: socket.bufferedAmount, reason }, "closing a WebSocket whose subscriber stopped taking events");
    socket.close(1013, "Subscriber too slow; resubscribe with after:");
    // A client that reads nothing never answers the close handshake.
    setTimeout(() => socket.terminate(), 1000).unref();
  };
  const closeSlow = (extra: Extra) => closeSlowSocket(extra.socket, "over the per-connection bound");
  // Each socket may hold `maxUnsentBytesPerSocket`; all of them together at most this. Checked
  // every second: past it, the sockets holding the most are closed until the rest fit.
  const maxUnsentBytesTotal = deps.maxUnsentBytesTotal ?? 256 * MIB;
  const unsentWatch = setInterval(() => {
    let total = 0;
    for (const socket of websocketServer.clients) total += socket.bufferedAmount;
    if (total <= maxUnsentBytesTotal) return;
    const heaviest = [...websocketServer.clients].filter((socket) => !slowClosed.has(socket)).sort((a, b) => b.bufferedAmount - a.bufferedAmount);
    for (const socket of heaviest) {
      if (total <= maxUnsentBytesTotal || socket.bufferedAmount === 0) break;
      total -= socket.bufferedAmount;
      closeSlowSocket(socket, "over the instance-wide bound");
    }
  }, 1000);
  unsentWatch.unref();
  const options: ServerOptions<Record<string, unknown>, Extra> = {
    connectionInitWaitTimeout: connectionInitWaitTimeoutMs,
    // A token is required over WebSocket; without a valid one the socket closes with 4403.
    // When it expires the socket closes too, and the client reconnects with a fresh one.
    onConnect: async (ctx) => {
      const header = ctx.connectionParams?.["authorization"];
      if (typeof header !== "string") return false;
      try {
        const verified = await viewerOfHeader(deps.verifyToken, header);
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
          if (remaining <= 0) ctx.extra.socket.close(4403, "Token expired");
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
    onSubscribe: async (ctx, id, payload) => {
      if (payload.variables && nestedDeeperThan(payload.variables, MAX_VARIABLE_DEPTH)) return [variablesTooDeepError()];
      // Counted with this one (graphql-ws registers an operation before this hook runs).
      if (Object.keys(ctx.subscriptions).length > perConnection) return tooMany("connection", perConnection);
      if (operationsOf(connectionsByCaller.get(callerOf(ctx.extra.viewer!)) ?? []) > perUser) return tooMany("user", perUser);
      const header = ctx.extra.request.headers["traceparent"];
      const websocket = {
        requestId: randomUUID(),
        metadata: traceparentOf(Array.isArray(header) ? header[0] : header),
        viewer: ctx.extra.viewer!,
        clientAddress: clientAddressOf(ctx.extra.request.headers["x-forwarded-for"], ctx.extra.request.socket.remoteAddress),
        transport: "websocket" as const,
        onSlowSubscriber: () => closeSlow(ctx.extra),
      };
      const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({ ...ctx, params: payload, websocket }) as unknown as Enveloped;
      let document: DocumentNode;
      try {
        document = parse(payload.query);
      } catch (error) {
        return [error instanceof GraphQLError ? error : new GraphQLError("Syntax error in the query.")];
      }
      const args: EnvelopedArgs = {
        schema,
        operationName: payload.operationName,
        document,
        variableValues: payload.variables,
        contextValue: await contextFactory(),
        rootValue: { execute, subscribe },
        shared: {
          key: groupKeyOf({ document, operationName: payload.operationName, variables: payload.variables, source: payload.query }, callerOf(ctx.extra.viewer!)),
          subscriber: {
            id,
            send: (message) => ctx.extra.socket.send(message),
            unsentBytes: () => ctx.extra.socket.bufferedAmount,
            onTooSlow: () => closeSlow(ctx.extra),
          },
        },
      };
      const errors = validate(args.schema, args.document);
      return errors.length > 0 ? errors : args;
    },
  };
  // A client's protocol violation (an oversized or malformed frame) is the client's doing, not an
  // internal error: ws already closes the socket with the right code (1009, 1002), so it is logged
  // at debug instead of reaching graphql-ws, which would print it as "Internal error".
  websocketServer.on("connection", (socket) => {
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
  const disposable = useServer(options, websocketServer, keepAliveMs);

  return {
    yoga,
    metrics,
    websockets: {
      server: websocketServer,
      async close() {
        clearInterval(unsentWatch);
        for (const client of websocketServer.clients) client.close(1001, "Server shutting down");
        await disposable.dispose();
      },
    },
  };
}

/**
 * Whether to compile: queries only, and only documents with a single operation, because the
 * compiled-query cache is keyed by document, not by the operation picked from it.
 */
const isCompilable = (document: DocumentNode, operationName: string | null | undefined) =>
  operationsOf(document).length === 1 && isQuery(document, operationName);

/** Whether the operation the request picks is a query. */
const isQuery = (document: DocumentNode, operationName: string | null | undefined) =>
  selectedOperation(document, operationName)?.operation === OperationTypeNode.QUERY;

const GRAPHIQL_DEFAULT_QUERY = `# Welcome to ordergraph. An empty database shows nothing: fill it with demo data with
#   npm run db:seed            (npm run db:seed -- --reset after you created users here)
# Then try:
query FirstUsers {
  users(first: 5) {
    totalCount
    edges {
      cursor
      node { id email name status orders(first: 3) { totalCount nodes { id status total { amount currency } } } }
    }
    pageInfo { hasNextPage endCursor }
  }
}

# Open a second tab with a subscription, then run a mutation here:
# subscription { orderEvents { id type status order { id total { amount } } } }
`;

/** pino's (object, message) for what yoga logs: an error as `err` (scrubbed), other details as `details`. */
function yogaLogLine(args: unknown[]): [Record<string, unknown>, string] {
  const error = args.find((arg): arg is Error => arg instanceof Error);
  const message = typeof args[0] === "string" ? args[0] : (error?.message ?? "yoga");
  const details = args.filter((arg) => arg !== error && arg !== args[0] && arg !== undefined);
  return [{ ...(error ? { err: safeError(error) } : {}), ...(details.length ? { details } : {}) }, message];
}

