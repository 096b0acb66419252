/**
 * Expected errors (a GraphQLError raised on purpose, with a code) pass through; anything else a
 * resolver throws is logged with the request id and replaced by "Unexpected error." with that
 * id in `extensions`, so no message, stack trace, SQL or constraint name reaches a client.
 * Covers queries, mutations, every payload of a deferred or streamed query, subscription
 * start-up and every subscription event.
 */
import { GraphQLError } from "graphql";
import type { Plugin } from "graphql-yoga";
import { isAsyncIterable } from "graphql-yoga";
import type { Context } from "../context.ts";
import { AccessDeniedError, AuthenticationRequiredError } from "../domain/access/viewer.ts";
import { MalformedEventIdError, UnknownEventError } from "../domain/events/event-ports.ts";
import { apiError, ErrorCode } from "../error-codes.ts";
import { classifyDatabaseFailure } from "../infra/postgres/failures.ts";
import { RateLimitedError } from "../domain/shared/rate-limit.ts";
import type { Logger } from "../observability/logger.ts";
import { safeError } from "../observability/safe-error.ts";

export function useErrorMasking(logger: Logger): Plugin<Context> {
  const mask = (requestId: string, errors: readonly GraphQLError[]) =>
    errors.map((error) => {
      // Executors report bad variable values without a code; they are the client's to fix, and
      // a request error (400) for GraphQL-over-HTTP clients. Yoga strips `http` from the output.
      if (isOriginalGraphQLError(error) && !error.path && (error.extensions?.code === undefined || /^Variable "\$/.test(error.message))) {
        return apiError(ErrorCode.BAD_USER_INPUT, error.message, { nodes: error.nodes, extensions: error.extensions, httpStatus: 400 });
      }
      if (isOriginalGraphQLError(error)) return error;
      const expected = expectedError(error);
      if (expected) return expected;
      logger.error({ requestId, err: safeError(error.originalError ?? error), path: error.path?.join(".") }, "unexpected error in a resolver");
      return apiError(ErrorCode.INTERNAL_SERVER_ERROR, "Unexpected error.", { nodes: error.nodes, path: error.path, extensions: { requestId } });
    });
  return {
    onExecute({ args }) {
      const { requestId } = args.contextValue;
      return {
        onExecuteDone({ result, setResult }) {
          if (!isAsyncIterable(result)) {
            if (result.errors?.length) setResult({ ...result, errors: mask(requestId, result.errors as readonly GraphQLError[]) });
            return;
          }
          // Incremental delivery (@defer/@stream): each payload, and each deferred part in it.
          return {
            onNext({ result: payload, setResult: setPayload }) {
              const { errors, incremental } = payload as IncrementalPayload;
              if (!errors?.length && !incremental?.some((part) => part.errors?.length)) return;
              setPayload({
                ...payload,
                ...(errors?.length ? { errors: mask(requestId, errors) } : {}),
                ...(incremental ? { incremental: incremental.map((part) => (part.errors?.length ? { ...part, errors: mask(requestId, part.errors) } : part)) } : {}),
              });
            },
          };
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

/** Whether an error was raised on purpose as a GraphQLError, rather than wrapping something thrown. */
export function isOriginalGraphQLError(error: unknown): boolean {
  if (!(error instanceof GraphQLError)) return false;
  return error.originalError == null || isOriginalGraphQLError(error.originalError);
}

/** A payload of incremental delivery: the initial result, then parts with their own errors. */
type IncrementalPayload = { errors?: readonly GraphQLError[]; incremental?: ReadonlyArray<{ errors?: readonly GraphQLError[] }> };


/**
 * Failures the rules raise on purpose, as the top-level errors clients expect: the one place
 * where a domain or database failure becomes an API error code.
 */
function expectedError(error: GraphQLError): GraphQLError | null {
  const cause = error.originalError;
  const at = { nodes: error.nodes, path: error.path };
  const as = (code: ErrorCode, extensions?: Record<string, unknown>) => apiError(code, cause!.message, { ...at, extensions });
  if (cause instanceof AuthenticationRequiredError) return as(ErrorCode.UNAUTHENTICATED);
  if (cause instanceof AccessDeniedError) return as(ErrorCode.FORBIDDEN);
  if (cause instanceof RateLimitedError) return as(ErrorCode.RATE_LIMITED, { retryAfterSeconds: cause.retryAfterSeconds });
  if (cause instanceof MalformedEventIdError) {
    return apiError(ErrorCode.BAD_USER_INPUT, "`after` must be the `id` of an event this API sent.", { ...at, extensions: { argument: "after" } });
  }
  if (cause instanceof UnknownEventError) {
    return cause.expired
      ? apiError(
          ErrorCode.RESUME_POINT_EXPIRED,
          "`after` names an event older than the retention period: events since then are no longer kept. Refetch what you show, then subscribe without `after`.",
          { ...at, extensions: { argument: "after" } },
        )
      : apiError(ErrorCode.BAD_USER_INPUT, "`after` names no event this API keeps for this subscription; subscribe without `after` and refetch.", {
          ...at,
          extensions: { argument: "after" },
        });
  }
  const database = classifyDatabaseFailure(cause);
  if (database?.kind === "unavailable") {
    return apiError(ErrorCode.SERVICE_UNAVAILABLE, "The database is unavailable or this server is busy. Retry shortly (a mutation with the same idempotencyKey or expectedVersion).", {
      ...at,
      extensions: { retryAfterSeconds: database.retryAfterSeconds },
    });
  }
  if (database?.kind === "timeout") {
    return apiError(
      ErrorCode.OPERATION_TIMEOUT,
      "The operation ran out of time and was stopped. A mutation may or may not have been applied: read it back, or retry with the same idempotencyKey or expectedVersion.",
      at,
    );
  }
  return null;
}
