/**
 * The API's top-level error codes (`errors[].extensions.code`), in one table as graphql-ws keeps
 * its `CloseCode`, and the one factory that builds such an error. A code is public API: never
 * renamed or reused for another meaning. Expected failures of a mutation are not here: they are
 * payload data with the domain's codes (`MutationErrorCode`, src/domain/shared/domain-error.ts).
 */
import { GraphQLError, type ASTNode, type Source } from "graphql";

export const ErrorCode = {
  /** The request is not one this endpoint serves (e.g. a subscription over plain HTTP). */
  BAD_REQUEST: "BAD_REQUEST",
  /** The document is not GraphQL (yoga answers the same code for its own parse errors). */
  GRAPHQL_PARSE_FAILED: "GRAPHQL_PARSE_FAILED",
  /** The document does not fit the schema; answered by yoga with this code, listed here for completeness. */
  GRAPHQL_VALIDATION_FAILED: "GRAPHQL_VALIDATION_FAILED",
  /** A POST body larger than the limit (HTTP 413), refused before it is read. */
  PAYLOAD_TOO_LARGE: "PAYLOAD_TOO_LARGE",
  /** A chunked POST without Content-Length (HTTP 411): its size is unknown up front. */
  LENGTH_REQUIRED: "LENGTH_REQUIRED",
  /** The request names a trusted document (documentId or persistedQuery) this server does not have; message "PersistedQueryNotFound", as Apollo clients expect. */
  PERSISTED_QUERY_NOT_FOUND: "PERSISTED_QUERY_NOT_FOUND",
  /** Only trusted documents are accepted, and the request sent a document as text. */
  TRUSTED_DOCUMENTS_ONLY: "TRUSTED_DOCUMENTS_ONLY",
  /** An argument or variable value is malformed: the client must change it. */
  BAD_USER_INPUT: "BAD_USER_INPUT",
  /** Over a depth, alias, token, directive or cost limit; refused before anything ran. */
  OPERATION_LIMIT_EXCEEDED: "OPERATION_LIMIT_EXCEEDED",
  /** No valid token, or anonymous where signing in is required. */
  UNAUTHENTICATED: "UNAUTHENTICATED",
  /** The caller's role may never do this. */
  FORBIDDEN: "FORBIDDEN",
  /** Too many of one action; `retryAfterSeconds` says when to try again. */
  RATE_LIMITED: "RATE_LIMITED",
  /** Over the subscriptions allowed per connection or per user; `limit` says how many. */
  TOO_MANY_SUBSCRIPTIONS: "TOO_MANY_SUBSCRIPTIONS",
  /** A subscription's client stopped taking events; it resumes with `after:` and loses nothing. */
  SUBSCRIBER_TOO_SLOW: "SUBSCRIBER_TOO_SLOW",
  /** `after:` names an event older than the retention period. */
  RESUME_POINT_EXPIRED: "RESUME_POINT_EXPIRED",
  /** The database is unreachable or the server is at capacity; nothing was done. Retry after `retryAfterSeconds`. */
  SERVICE_UNAVAILABLE: "SERVICE_UNAVAILABLE",
  /** The operation ran out of time and was stopped; a mutation may or may not have been applied. */
  OPERATION_TIMEOUT: "OPERATION_TIMEOUT",
  /** A defect on our side; `requestId` finds it in the server's log. */
  INTERNAL_SERVER_ERROR: "INTERNAL_SERVER_ERROR",
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface ApiErrorOptions {
  /** More `extensions` for the client, e.g. `retryAfterSeconds`, `argument`, `limit`. */
  readonly extensions?: Record<string, unknown>;
  /** The HTTP status of a request error (yoga uses it, and strips it from the body). */
  readonly httpStatus?: number;
  readonly nodes?: readonly ASTNode[] | ASTNode;
  readonly path?: readonly (string | number)[];
  /** For an error in the document itself: where in it. */
  readonly source?: Source;
  readonly positions?: readonly number[];
}

/** A top-level error with one of the API's codes. */
export function apiError(code: ErrorCode, message: string, { extensions = {}, httpStatus, nodes, path, source, positions }: ApiErrorOptions = {}): GraphQLError {
  // `code` first, as clients read it, and never overridden by what is passed along.
  const { code: _replaced, ...rest } = extensions;
  return new GraphQLError(message, { nodes, path, source, positions, extensions: { code, ...rest, ...(httpStatus ? { http: { status: httpStatus } } : {}) } });
}

/** The same error as JSON, for answers made before GraphQL runs (a refused or unready request). */
export const apiErrorBody = (code: ErrorCode, message: string, extensions: Record<string, unknown> = {}): string =>
  JSON.stringify({ errors: [{ message, extensions: { code, ...extensions } }] });
