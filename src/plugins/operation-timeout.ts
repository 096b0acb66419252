/**
 * A query that takes longer than the timeout answers with OPERATION_TIMEOUT instead of holding
 * its connection; every SQL statement (mutations' too) is bounded by the pool's statement_timeout.
 */
import { GraphQLError, type DocumentNode } from "graphql";
import type { Plugin } from "graphql-yoga";

export const TIMEOUT_CODE = "OPERATION_TIMEOUT";

export function useOperationTimeout(timeoutMs: number, appliesTo: (args: { document: DocumentNode; operationName?: string | null }) => boolean = () => true): Plugin {
  return {
    onExecute({ args: operation, executeFn, setExecuteFn }) {
      if (!appliesTo({ document: operation.document as DocumentNode, operationName: operation.operationName as string | null | undefined })) return;
      setExecuteFn(async (args) => {
        let timer: NodeJS.Timeout | undefined;
        const timedOut = new Promise<{ errors: GraphQLError[] }>((resolve) => {
          timer = setTimeout(
            () => resolve({ errors: [new GraphQLError(`The query took longer than ${timeoutMs} ms; its result was abandoned.`, { extensions: { code: TIMEOUT_CODE } })] }),
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
