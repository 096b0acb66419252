/**
 * createApp builds the GraphQL handlers from their dependencies and does not listen: yoga for
 * HTTP, graphql-ws for WebSocket (src/transport/websocket.ts) on yoga's envelop, so validation,
 * limits, error masking, logging and metrics apply to both. instance.ts attaches them to a
 * server; tests call `yoga.fetch`. Production and tests build it the same way, tests with
 * overridden options.
 */
import type { MikroORM } from "@mikro-orm/postgresql";
import { useGraphQlJit } from "@envelop/graphql-jit";
import { useCSRFPrevention } from "@graphql-yoga/plugin-csrf-prevention";
import { useDeferStream } from "@graphql-yoga/plugin-defer-stream";
import { OperationTypeNode, type DocumentNode } from "graphql";
import { createYoga, type Plugin, type YogaServerInstance } from "graphql-yoga";
import { createContextFactory, type Context } from "./context.ts";
import { operationsOf, selectedOperation, usesIncrementalDelivery } from "./documents.ts";
import { createEventFeed } from "./domain/events/event-feed.ts";
import type { EventBus } from "./domain/events/event-ports.ts";
import { systemClock, type Clock } from "./domain/shared/clock.ts";
import { newId } from "./domain/shared/ids.ts";
import type { RateLimiter } from "./domain/shared/rate-limit.ts";
import type { TokenVerifier } from "./infra/auth/token-verifier.ts";
import { createEventBus } from "./infra/events/event-bus.ts";
import { createMikroOrmEventLog } from "./infra/mikro-orm/outbox-repository.ts";
import { createReadRouting, type ReadRouting } from "./infra/mikro-orm/read-routing.ts";
import { createRateLimiter } from "./infra/rate-limiter.ts";
import type { Logger } from "./observability/logger.ts";
import { createMetrics, type Metrics } from "./observability/metrics.ts";
import { safeError } from "./observability/safe-error.ts";
import { tracingEnabled } from "./observability/telemetry.ts";
import type { Options } from "./options.ts";
import { useAnonymousGate } from "./plugins/anonymous-gate.ts";
import { useDisableIntrospection } from "./plugins/disable-introspection.ts";
import { useErrorMasking } from "./plugins/error-masking.ts";
import { useHttpEndpoints, type ReadinessReport } from "./plugins/http-endpoints.ts";
import { useNulGuard } from "./plugins/nul-guard.ts";
import { useObservability } from "./plugins/observability.ts";
import { useOperationBudget } from "./plugins/operation-budget.ts";
import { useOperationLimits } from "./plugins/operation-limits.ts";
import { useOperationTracing } from "./plugins/tracing.ts";
import { useRequestBodyLimit, useUrlParameterCheck, useVariableDepthLimit } from "./plugins/request-limits.ts";
import { schema as defaultSchema, subgraphSchema } from "./schema/index.ts";
import { createRequestOrigins, fetchHeaders, requestIdFrom, viewerOfHeader } from "./transport/request-origin.ts";
import { loadTrustedDocuments, NO_TRUSTED_DOCUMENTS, useTrustedDocuments } from "./transport/trusted-documents.ts";
import { createServerSentEvents, type ServerSentEvents } from "./transport/server-sent-events.ts";
import { createJsonPostFastPath, type JsonPostFastPath } from "./transport/json-post-fast-path.ts";
import { createSubscriptionCensus } from "./transport/subscription-census.ts";
import { createWebSocketServing, type WebSocketInitialContext, type WebSocketServing } from "./transport/websocket.ts";

export interface AppDeps {
  readonly orm: MikroORM;
  readonly logger: Logger;
  /** Verifies bearer tokens. */
  readonly verifyToken: TokenVerifier;
  /** Every setting, resolved (options.ts); the app reads the ones it serves by. */
  readonly options: Options;
  /** Where published events arrive (default: an in-process bus, this app's events only). */
  readonly bus?: EventBus;
  /** Per-caller limits (default: counted in this process, with `options.rateLimits`). */
  readonly rateLimiter?: RateLimiter;
  /** Where "now" comes from (default: the system clock). */
  readonly clock?: Clock;
  /** Metrics registry and instruments (default: a fresh registry). */
  readonly metrics?: Metrics;
  /** What /health/ready reports (default: always ready). */
  readonly readiness?: () => Promise<ReadinessReport>;
  /** Null while operations can be served; otherwise why not, answered with 503 (default: always served). */
  readonly unavailable?: () => string | null;
  /** A token GraphiQL sends by default over HTTP and WebSocket (development only). */
  readonly graphiqlToken?: string;
}

export interface App {
  /** The HTTP handler: `yoga.fetch` for tests; for node:http, after `jsonPosts` (instance.ts). */
  readonly yoga: YogaServerInstance<Record<string, unknown>, Context>;
  /** JSON POSTs served without yoga's HTTP layer; node:http requests it does not take go to `yoga.requestListener`. */
  readonly jsonPosts: JsonPostFastPath;
  readonly metrics: Metrics;
  /** graphql-ws on a WebSocketServer without a port: route HTTP upgrades to it. */
  readonly websockets: WebSocketServing;
  /** Subscriptions over HTTP (server-sent events): closed with the instance. */
  readonly serverSentEvents: ServerSentEvents;
  /** Which database server reads run on (replicas, when configured). */
  readonly readRouting: ReadRouting;
}

export const GRAPHQL_PATH = "/graphql";

/** What yoga's context function receives: an HTTP request, or a WebSocket operation's origin. */
type InitialContext = { request: Request; req?: { socket?: { remoteAddress?: string } } } | WebSocketInitialContext;

export function createApp(deps: AppDeps): App {
  const { orm, logger, options } = deps;
  const metrics = deps.metrics ?? createMetrics();
  const events = createEventFeed({
    log: createMikroOrmEventLog(orm.em),
    bus: deps.bus ?? createEventBus({ logger, channelPrefix: options.channelPrefix }),
    maxPendingEvents: options.subscriptions.maxPendingEvents,
    maxStallMs: options.subscriptions.maxStallMs,
  });
  const readRouting = createReadRouting(orm, { logger, onRead: (server) => metrics.readsOn(server) });
  const createContext = createContextFactory({
    orm,
    readRouting,
    clock: deps.clock ?? systemClock,
    newId,
    events,
    rateLimiter: deps.rateLimiter ?? createRateLimiter(options.rateLimits, { keyPrefix: options.channelPrefix }),
  });
  const origins = createRequestOrigins(options);
  const census = createSubscriptionCensus();
  const serverSentEvents = createServerSentEvents({ census, perUser: options.subscriptions.perUser, metrics });
  // The same types and resolvers either way; a subgraph adds what a federation gateway calls.
  const schema = options.federation ? subgraphSchema().schema : defaultSchema;
  const trustedDocuments = options.trustedDocuments.file
    ? loadTrustedDocuments(options.trustedDocuments.file, schema, options.trustedDocuments)
    : NO_TRUSTED_DOCUMENTS;
  const requestIds = new WeakMap<Request, string>();
  const requestIdOf = (request: Request) => {
    let id = requestIds.get(request);
    if (!id) requestIds.set(request, (id = requestIdFrom(fetchHeaders(request))));
    return id;
  };

  // Queries and mutations: a bounded number at once (the pool and its queue), each against a deadline.
  const budget = useOperationBudget({
    timeoutMs: options.operationTimeoutMs,
    maxConcurrent: options.poolSize + options.poolQueueLimit,
    isQuery: (args) => isQuery(args.document, args.operationName),
    graphqlPath: GRAPHQL_PATH,
  });
  const unavailable = deps.unavailable ?? (() => null);

  const yoga = createYoga<Record<string, unknown>, Context>({
    schema,
    graphqlEndpoint: GRAPHQL_PATH,
    landingPage: false,
    // The body limit is ours (plugins/request-limits.ts), enforced before the body is read.
    maxRequestBodySize: false,
    // The GraphQL-over-HTTP persisted documents proposal's parameter (transport/trusted-documents.ts).
    extraParamNames: ["documentId"],
    graphiql: options.graphiql && {
      title: "ordergraph",
      defaultQuery: GRAPHIQL_DEFAULT_QUERY,
      subscriptionsProtocol: "WS",
      ...(deps.graphiqlToken && {
        headers: JSON.stringify({ Authorization: `Bearer ${deps.graphiqlToken}` }),
        // Passed through to GraphiQL's graphql-ws client as its connection_init payload.
        connectionParams: { authorization: `Bearer ${deps.graphiqlToken}` },
      }),
    },
    // GraphiQL's assets are served from this package, not a CDN, so it works offline. Loaded on
    // the first page view: they are 30 MB of strings a server without GraphiQL should not hold.
    renderGraphiQL: async (graphiqlOptions) => (await import("@graphql-yoga/render-graphiql")).renderGraphiQL(graphiqlOptions),
    // yoga logs (message, ...details) or an Error: one readable line either way.
    logging: {
      debug: (...args) => logger.debug(...yogaLogLine(args)),
      info: (...args) => logger.info(...yogaLogLine(args)),
      warn: (...args) => logger.warn(...yogaLogLine(args)),
      error: (...args) => logger.error(...yogaLogLine(args)),
    },
    // Our own plugin masks resolver errors (with request ids); yoga's masking remains for the
    // rest, and only in development does it attach details.
    maskedErrors: { isDev: options.development },
    cors: options.corsOrigins ? { origin: options.corsOrigins === "*" ? "*" : [...options.corsOrigins], credentials: false, maxAge: 600 } : false,
    // Over WebSocket the transport already knows the operation's origin; over HTTP it is read here.
    context: async (initial: InitialContext) => {
      if ("origin" in initial) return createContext(initial.origin);
      const { request } = initial;
      const verified = await viewerOfHeader(deps.verifyToken, request.headers.get("authorization"));
      return createContext({
        ...origins.originOf(fetchHeaders(request), initial.req?.socket?.remoteAddress, requestIdOf(request)),
        ...(verified ? { viewer: verified.viewer, tokenExpiresAt: verified.expiresAt } : {}),
        onSlowSubscriber: () => serverSentEvents.tooSlow(request),
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
        unavailable,
        graphqlPath: GRAPHQL_PATH,
      }),
      useRequestBodyLimit(options.maxBodyBytes),
      useUrlParameterCheck(),
      useVariableDepthLimit(),
      // Without a manifest, a request naming a document gets PERSISTED_QUERY_NOT_FOUND, so
      // clients of automatic persisted queries fall back to sending the text.
      useTrustedDocuments(trustedDocuments),
      // Browsers send a JSON POST only after a CORS preflight; anything a page could send without
      // one (a GET, a form post) must carry this header, which a cross-site page cannot add.
      useCSRFPrevention({ requestHeaders: ["x-graphql-csrf", "graphql-preflight"] }),
      ...(options.introspection ? [] : [useDisableIntrospection()]),
      // @defer and @stream over multipart/mixed and server-sent events (the schema declares them).
      useDeferStream(),
      ...useOperationLimits(options.limits, (type, price) => metrics.operationCost.observe({ type }, price)),
      useAnonymousGate(),
      useNulGuard(),
      // Compiled execution for queries (the hot read path): each distinct query is compiled once
      // into plain JavaScript. Mutations are few and subscriptions keep the reference executor.
      useGraphQlJit({}, { enableIf: (args) => isCompilable(args.document, args.operationName) }),
      // Queries may read a database replica; mutations and subscriptions read the primary.
      useReplicaReadsForQueries(isQuery),
      budget.plugin,
      // Subscriptions over HTTP: limits, token expiry, slow subscribers, shutdown.
      serverSentEvents.plugin,
      // Masking first, so the operation log and metrics record the codes clients get.
      useErrorMasking(logger),
      useObservability(logger, metrics),
      // OpenTelemetry spans per operation and per subscription event, when tracing is on (after
      // masking too, so spans carry the codes clients get).
      ...(tracingEnabled() ? [useOperationTracing()] : []),
    ],
  });

  const websockets = createWebSocketServing({ yoga, verifyToken: deps.verifyToken, origins, trustedDocuments, logger, metrics, census, options, path: GRAPHQL_PATH });
  const jsonPosts = createJsonPostFastPath({
    yoga,
    graphqlPath: GRAPHQL_PATH,
    maxBodyBytes: options.maxBodyBytes,
    maxTokens: options.limits.maxTokens,
    cors: Boolean(options.corsOrigins),
    trustedDocuments,
    logger,
    yogaAnswers: () => unavailable() !== null || budget.full(),
    responseHeaders: (request) => ({ "x-request-id": requestIdOf(request) }),
    onServed: (by) => metrics.jsonPostServed(by),
  });
  return { yoga, jsonPosts, metrics, websockets, serverSentEvents, readRouting };
}

/**
 * Whether to compile: queries only, and only documents with a single operation, because the
 * compiled-query cache is keyed by document, not by the operation picked from it; and none that
 * asks for incremental delivery, which graphql-jit does not implement (yoga's executor does).
 */
const isCompilable = (document: DocumentNode, operationName: string | null | undefined) =>
  operationsOf(document).length === 1 && isQuery(document, operationName) && !usesIncrementalDelivery(document);

/** Queries may read a database replica (context.ts: `readFromReplicas`); mutations and subscriptions read the primary. */
function useReplicaReadsForQueries(isQueryOperation: typeof isQuery): Plugin<Context> {
  return {
    onExecute({ args }) {
      if (isQueryOperation(args.document as DocumentNode, args.operationName as string | null | undefined)) args.contextValue.readFromReplicas();
    },
  };
}

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

