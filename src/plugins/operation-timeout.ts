/**
 * A query or mutation that takes longer than the timeout answers with OPERATION_TIMEOUT instead
 * of holding its connection; the database side is bounded by the pool's statement_timeout.
 */
import { GraphQLError } from "graphql";
import type { Plugin } from "graphql-yoga";

export const TIMEOUT_CODE = "OPERATION_TIMEOUT";

export function useOperationTimeout(timeoutMs: number): Plugin {
  return {
    onExecute({ executeFn, setExecuteFn }) {
      setExecuteFn(async (args) => {
        let timer: NodeJS.Timeout | undefined;
        const timedOut = new Promise<{ errors: GraphQLError[] }>((resolve) => {
          timer = setTimeout(
            () => resolve({ errors: [new GraphQLError(`The operation took longer than ${timeoutMs} ms and was stopped.`, { extensions: { code: TIMEOUT_CODE } })] }),
            timeoutMs,
          );
        });
        try {
          return await Promise.race([executeFn(args) as Promise<unknown>, timedOut]);
        } finally {
          clearTimeout(timer);
        }
      });
    },
  };
}
