/**
 * Every query and mutation runs against a deadline `timeoutMs` away. The database layer honours
 * it (`infra/postgres/deadline.ts`): no statement is sent after it, a running one is cancelled,
 * and a wait for a pool connection ends, so abandoned work never queues behind live work.
 * A query's result is also abandoned at the deadline (OPERATION_TIMEOUT), whatever it is doing;
 * a mutation is never cut half-way from outside, so it ends when its current statement is
 * cancelled or answers, and its unit of work rolls back.
 */
import { GraphQLError, type DocumentNode } from "graphql";
import type { Plugin } from "graphql-yoga";
import { withDeadline } from "../infra/postgres/deadline.ts";

export const TIMEOUT_CODE = "OPERATION_TIMEOUT";

export function useOperationTimeout(timeoutMs: number, isQuery: (args: { document: DocumentNode; operationName?: string | null }) => boolean): Plugin {
  return {
    onExecute({ args: operation, executeFn, setExecuteFn }) {
      const abandonAtDeadline = isQuery({ document: operation.document as DocumentNode, operationName: operation.operationName as string | null | undefined });
      setExecuteFn((args): Promise<unknown> => {
        if (!abandonAtDeadline) return withDeadline(timeoutMs, () => executeFn(args) as Promise<unknown>);
        let timer: NodeJS.Timeout | undefined;
        const timedOut = new Promise<{ errors: GraphQLError[] }>((resolve) => {
          timer = setTimeout(
            () => resolve({ errors: [new GraphQLError(`The query took longer than ${timeoutMs} ms; its result was abandoned.`, { extensions: { code: TIMEOUT_CODE } })] }),
            timeoutMs,
          );
        });
        const executed = withDeadline(timeoutMs, () => executeFn(args) as Promise<unknown>);
        return Promise.race([executed, timedOut]).finally(() => clearTimeout(timer));
      });
    },
  };
}
