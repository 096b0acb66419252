/**
 * createApp builds the GraphQL handlers from their dependencies and does not listen: HTTP through
 * graphql-yoga, WebSocket subscriptions through graphql-ws on yoga's envelop, so validation,
 * error masking and (later) limits apply to both. instance.ts attaches them to a server.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { renderGraphiQL } from "@graphql-yoga/render-graphiql";
import { GraphQLError, type DocumentNode, type ExecutionArgs, type GraphQLSchema } from "graphql";
import type { ServerOptions } from "graphql-ws";
import { useServer } from "graphql-ws/use/ws";
import { createYoga, type Plugin, type YogaServerInstance } from "graphql-yoga";
import { WebSocketServer } from "ws";
import type { Context } from "./context.ts";
import type { RequestMetadata } from "./domain/shared/request-metadata.ts";
import type { Logger } from "./logger.ts";

export interface AppDeps {
  readonly schema: GraphQLSchema;
  /** Builds the per-operation context. */
  readonly createContext: (requestId: string, metadata: RequestMetadata) => Context;
  readonly logger: Logger;
  /** Serve GraphiQL to browsers at the GraphQL path (default true). */
  readonly graphiql?: boolean;
  /** How long a WebSocket client has to send `connection_init` (default 3000 ms; then 4408). */
  readonly connectionInitWaitTimeoutMs?: number;
  /** Interval of WebSocket pings; a client that misses a pong is dropped (default 12000 ms). */
  readonly keepAliveMs?: number;
}

export interface App {
  /** The HTTP handler: `yoga.fetch` for tests, `yoga.requestListener` for node:http. */
  readonly yoga: YogaServerInstance<Record<string, unknown>, Context>;
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
type InitialContext = { request?: Request; websocket?: { requestId: string; metadata: RequestMetadata } };

export function createApp({ schema, createContext, logger, graphiql = true, connectionInitWaitTimeoutMs = 3000, keepAliveMs = 12_000 }: AppDeps): App {
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

  const yoga = createYoga<Record<string, unknown>, Context>({
    schema,
    graphqlEndpoint: GRAPHQL_PATH,
    landingPage: false,
    graphiql: graphiql && { title: "ordergraph", defaultQuery: GRAPHIQL_DEFAULT_QUERY, subscriptionsProtocol: "WS" },
    // GraphiQL's assets are served from this package, not a CDN, so it works offline.
    renderGraphiQL,
    logging: {
      debug: (...args) => logger.debug(args),
      info: (...args) => logger.info(args),
      warn: (...args) => logger.warn(args),
      error: (...args) => logger.error(args),
    },
    context: (initial: InitialContext) => {
      if (initial.websocket) return createContext(initial.websocket.requestId, initial.websocket.metadata);
      const request = initial.request!;
      return createContext(requestIdOf(request), traceparentOf(request.headers.get("traceparent")));
    },
    plugins: [
      {
        onResponse({ request, response }) {
          response.headers.set("x-request-id", requestIdOf(request));
        },
      },
      useUnexpectedErrorMasking(logger),
    ],
  });

  const websocketServer = new WebSocketServer({ noServer: true });
  type EnvelopedArgs = ExecutionArgs & { rootValue: { execute: (args: ExecutionArgs) => unknown; subscribe: (args: ExecutionArgs) => unknown } };
  /** What `yoga.getEnveloped` hands back: yoga's pipeline, bound to one WebSocket operation. */
  type Enveloped = {
    schema: GraphQLSchema;
    execute: (args: ExecutionArgs) => unknown;
    subscribe: (args: ExecutionArgs) => unknown;
    contextFactory: () => Promise<Context>;
    parse: (source: string) => DocumentNode;
    validate: (schema: GraphQLSchema, document: DocumentNode) => readonly GraphQLError[];
  };
  const options: ServerOptions<Record<string, unknown>, { request: IncomingMessage }> = {
    connectionInitWaitTimeout: connectionInitWaitTimeoutMs,
    execute: (args) => (args as EnvelopedArgs).rootValue.execute(args) as never,
    subscribe: (args) => (args as EnvelopedArgs).rootValue.subscribe(args) as never,
    onSubscribe: async (ctx, _id, payload) => {
      const header = ctx.extra.request.headers["traceparent"];
      const websocket = { requestId: randomUUID(), metadata: traceparentOf(Array.isArray(header) ? header[0] : header) };
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
      };
      const errors = validate(args.schema, args.document);
      return errors.length > 0 ? errors : args;
    },
  };
  const disposable = useServer(options, websocketServer, keepAliveMs);

  return {
    yoga,
    websockets: {
      server: websocketServer,
      async close() {
        for (const client of websocketServer.clients) client.close(1001, "Server shutting down");
        await disposable.dispose();
      },
    },
  };
}

/**
 * Expected errors (a GraphQLError thrown on purpose, with a code) pass through; anything else a
 * resolver throws is logged with the request id and replaced by "Unexpected error.", so no
 * message, stack trace, SQL or constraint name reaches a client. Subscription events too.
 */
function useUnexpectedErrorMasking(logger: Logger): Plugin<Context> {
  const mask = (requestId: string, errors: readonly GraphQLError[]) =>
    errors.map((error) => {
      if (isOriginalGraphQLError(error)) return error;
      logger.error({ requestId, err: error.originalError ?? error, path: error.path?.join(".") }, "unexpected error in a resolver");
      return new GraphQLError("Unexpected error.", { nodes: error.nodes, path: error.path, extensions: { code: "INTERNAL_SERVER_ERROR", requestId } });
    });
  return {
    onExecute({ args }) {
      const { requestId } = args.contextValue;
      return {
        onExecuteDone({ result, setResult }) {
          if (!("errors" in result) || !result.errors?.length) return;
          setResult({ ...result, errors: mask(requestId, result.errors as readonly GraphQLError[]) });
        },
      };
    },
    onSubscribe({ args }) {
      const { requestId } = args.contextValue;
      return {
        onSubscribeResult({ result, setResult }) {
          // The subscription could not start (its `subscribe` resolver failed): one result.
          if (!isAsyncIterable(result)) {
            if (result.errors?.length) setResult({ ...result, errors: mask(requestId, result.errors as readonly GraphQLError[]) });
            return;
          }
          return {
            onNext({ result: event, setResult: setEvent }) {
              if (event.errors?.length) setEvent({ ...event, errors: mask(requestId, event.errors as readonly GraphQLError[]) });
            },
          };
        },
        onSubscribeError({ error, setError }) {
          // The event stream itself failed after it started.
          if (!isOriginalGraphQLError(error)) setError(mask(requestId, [error instanceof GraphQLError ? error : new GraphQLError("stream failed", { originalError: error as Error })])[0]);
        },
      };
    },
  };
}

const isAsyncIterable = (value: unknown): value is AsyncIterable<unknown> =>
  typeof value === "object" && value !== null && Symbol.asyncIterator in value;

/** Whether an error was raised on purpose as a GraphQLError, rather than wrapping something thrown. */
function isOriginalGraphQLError(error: unknown): boolean {
  if (!(error instanceof GraphQLError)) return false;
  return error.originalError == null || isOriginalGraphQLError(error.originalError);
}

const GRAPHIQL_DEFAULT_QUERY = `# Welcome to ordergraph. Try:
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
