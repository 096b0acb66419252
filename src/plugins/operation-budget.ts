/**
 * What every query and mutation may spend: a deadline, and a place among a bounded number of
 * operations running at once.
 *
 * - Admission: at most `maxConcurrent` operations execute at once (the pool plus a short queue);
 *   one more is refused before it does anything, with SERVICE_UNAVAILABLE and a retry hint (a
 *   POST arriving while full gets HTTP 503 with Retry-After before it is parsed).
 *   Refusing whole operations up front keeps the accepted ones near the pool's capacity; refusing
 *   statements half-way through an operation would waste the work already done.
 * - Deadline: `timeoutMs` from the start. The database layer honours it
 *   (`infra/postgres/deadline.ts`): no statement is sent after it, a running one is cancelled,
 *   and a wait for a pool connection ends, so abandoned work never queues behind live work. A
 *   query's result is also abandoned at the deadline (OPERATION_TIMEOUT); a mutation is never cut
 *   from outside, so it ends when its current statement is cancelled or answers, and its unit of
 *   work rolls back.
 */
import type { DocumentNode, GraphQLError } from "graphql";
import type { Plugin } from "graphql-yoga";
import { withDeadline } from "../infra/postgres/deadline.ts";
import { apiError, apiErrorBody, ErrorCode } from "../error-codes.ts";

export interface OperationBudget {
  /** The deadline of each query and mutation, in ms. */
  readonly timeoutMs: number;
  /** Queries and mutations executing at once; more are refused. */
  readonly maxConcurrent: number;
  /** Whether the operation is a query (its result is abandoned at the deadline). */
  readonly isQuery: (args: { document: DocumentNode; operationName?: string | null }) => boolean;
}

const BUSY_MESSAGE = "The server is busy; nothing was done. Retry shortly.";
const RETRY_AFTER_SECONDS = 1;

export interface OperationBudgetPlugin {
  readonly plugin: Plugin;
  /** Whether an operation arriving now would be refused. */
  full(): boolean;
}

export function useOperationBudget({ timeoutMs, maxConcurrent, isQuery, graphqlPath }: OperationBudget & { graphqlPath: string }): OperationBudgetPlugin {
  let running = 0;
  const plugin: Plugin = {
    // When already full, a POST is refused before it is even parsed: refusing must cost far less
    // than serving, or the refusals themselves eat the capacity they protect.
    onRequest(payload) {
      if (running < maxConcurrent || payload.request.method !== "POST" || payload.url.pathname !== graphqlPath) return;
      payload.endResponse(
        new Response(apiErrorBody(ErrorCode.SERVICE_UNAVAILABLE, BUSY_MESSAGE, { retryAfterSeconds: RETRY_AFTER_SECONDS }), {
          status: 503,
          headers: { "content-type": "application/json; charset=utf-8", "retry-after": String(RETRY_AFTER_SECONDS) },
        }),
      );
    },
    onExecute({ args: operation, executeFn, setExecuteFn }) {
      const abandonAtDeadline = isQuery({ document: operation.document as DocumentNode, operationName: operation.operationName as string | null | undefined });
      setExecuteFn((args): Promise<unknown> => {
        if (running >= maxConcurrent) {
          return Promise.resolve({
            errors: [apiError(ErrorCode.SERVICE_UNAVAILABLE, BUSY_MESSAGE, { extensions: { retryAfterSeconds: RETRY_AFTER_SECONDS } })],
          });
        }
        running++;
        // Counted until the work itself stops, not when an abandoned query's answer is sent.
        // The executor may answer synchronously (a compiled query that needs no I/O).
        const executed = Promise.resolve(withDeadline(timeoutMs, () => executeFn(args) as unknown)).finally(() => running--);
        if (!abandonAtDeadline) return executed;
        let timer: NodeJS.Timeout | undefined;
        const timedOut = new Promise<{ errors: GraphQLError[] }>((resolve) => {
          timer = setTimeout(
            () => resolve({ errors: [apiError(ErrorCode.OPERATION_TIMEOUT, `The query took longer than ${timeoutMs} ms; its result was abandoned.`)] }),
            timeoutMs,
          );
        });
        return Promise.race([executed, timedOut]).finally(() => clearTimeout(timer));
      });
    },
  };
  return { plugin, full: () => running >= maxConcurrent };
}
