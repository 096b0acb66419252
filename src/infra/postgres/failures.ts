/**
 * What went wrong with the database, in the two terms a client can act on: it is unavailable
 * (unreachable or restarting; retry later) or the
 * operation ran out of time (a query was cancelled; a mutation may or may not have committed).
 * Everything the driver stack can throw for those reasons is recognised here, in one place.
 */

/** Our own errors carry one of these codes; MikroORM copies `code` when it wraps a driver error. */
export const DATABASE_DEADLINE = "ORDERGRAPH_DATABASE_DEADLINE";
export const DATABASE_NOT_ANSWERING = "ORDERGRAPH_DATABASE_NOT_ANSWERING";

export class DatabaseFailure extends Error {
  override readonly name = "DatabaseFailure";
  readonly code: typeof DATABASE_DEADLINE | typeof DATABASE_NOT_ANSWERING;
  constructor(code: DatabaseFailure["code"], message: string) {
    super(message);
    this.code = code;
  }
}

export type DatabaseFailureKind = { kind: "unavailable"; retryAfterSeconds: number } | { kind: "timeout" };

// SQLSTATE classes and codes: 08 connection exception, 53 insufficient resources, 57P01-03
// shutdown / crash / cannot connect now, 57014 statement cancelled (timeout or our cancel),
// 55P03 lock not available, 25P03 idle-in-transaction timeout.
const UNAVAILABLE_STATES = /^(08|53|57P0[1-5])/;
const TIMEOUT_STATES = new Set(["57014", "55P03", "25P03"]);
// What node-postgres and the OS report without a SQLSTATE.
const UNAVAILABLE_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed|not queryable|ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|the database system is (starting up|shutting down|in recovery)/;

/** Classifies an error (or anything in its cause chain); `null` when it is not a database failure. */
export function classifyDatabaseFailure(error: unknown): DatabaseFailureKind | null {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    const code = (current as { code?: unknown }).code;
    if (code === DATABASE_DEADLINE || code === DATABASE_NOT_ANSWERING) return { kind: "timeout" };
    if (typeof code === "string" && TIMEOUT_STATES.has(code)) return { kind: "timeout" };
    if (typeof code === "string" && (UNAVAILABLE_STATES.test(code) || /^E[A-Z]+$/.test(code) && UNAVAILABLE_MESSAGES.test(code))) {
      return { kind: "unavailable", retryAfterSeconds: 2 };
    }
    if (UNAVAILABLE_MESSAGES.test(current.message)) return { kind: "unavailable", retryAfterSeconds: 2 };
  }
  return null;
}
