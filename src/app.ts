/**
 * createApp builds the GraphQL HTTP handler (graphql-yoga) from its dependencies and does not
 * listen: server.ts listens, and tests call `app.fetch` or a real port with the same wiring.
 */
import { randomUUID } from "node:crypto";
import { GraphQLError, type GraphQLSchema } from "graphql";
import { createYoga, type Plugin, type YogaServerInstance } from "graphql-yoga";
import type { Context } from "./context.ts";
import type { Logger } from "./logger.ts";

export interface AppDeps {
  readonly schema: GraphQLSchema;
  /** Builds the per-request context. */
  readonly createContext: (requestId: string) => Context;
  readonly logger: Logger;
  /** Serve GraphiQL to browsers at the GraphQL path (default true). */
  readonly graphiql?: boolean;
}

export type App = YogaServerInstance<Record<string, unknown>, Context>;

export const GRAPHQL_PATH = "/graphql";

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function createApp({ schema, createContext, logger, graphiql = true }: AppDeps): App {
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

  return createYoga<Record<string, unknown>, Context>({
    schema,
    graphqlEndpoint: GRAPHQL_PATH,
    landingPage: false,
    graphiql: graphiql && { title: "ordergraph", defaultQuery: GRAPHIQL_DEFAULT_QUERY },
    logging: {
      debug: (...args) => logger.debug(args),
      info: (...args) => logger.info(args),
      warn: (...args) => logger.warn(args),
      error: (...args) => logger.error(args),
    },
    context: ({ request }) => createContext(requestIdOf(request)),
    plugins: [
      {
        onResponse({ request, response }) {
          response.headers.set("x-request-id", requestIdOf(request));
        },
      },
      useUnexpectedErrorMasking(logger),
    ],
  });
}

/**
 * Expected errors (a GraphQLError thrown on purpose, with a code) pass through; anything else a
 * resolver throws is logged with the request id and replaced by "Unexpected error.", so no
 * message, stack trace, SQL or constraint name reaches a client.
 */
function useUnexpectedErrorMasking(logger: Logger): Plugin<Context> {
  return {
    onExecute({ args }) {
      const { requestId } = args.contextValue;
      return {
        onExecuteDone({ result, setResult }) {
          if (!("errors" in result) || !result.errors?.length) return;
          const errors = (result.errors as readonly GraphQLError[]).map((error) => {
            if (isOriginalGraphQLError(error)) return error;
            logger.error({ requestId, err: error.originalError ?? error, path: error.path?.join(".") }, "unexpected error in a resolver");
            return new GraphQLError("Unexpected error.", {
              nodes: error.nodes,
              path: error.path,
              extensions: { code: "INTERNAL_SERVER_ERROR", requestId },
            });
          });
          setResult({ ...result, errors });
        },
      };
    },
  };
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
`;

/** Whether an error was raised on purpose as a GraphQLError, rather than wrapping something thrown. */
function isOriginalGraphQLError(error: unknown): boolean {
  if (!(error instanceof GraphQLError)) return false;
  return error.originalError == null || isOriginalGraphQLError(error.originalError);
}
