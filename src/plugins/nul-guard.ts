/**
 * PostgreSQL text cannot hold NUL (U+0000). Rather than fail deep in a query, an operation whose
 * arguments or variables contain one is refused up front with BAD_USER_INPUT, and nothing runs.
 */
import { Kind, visit, type DocumentNode } from "graphql";
import type { Plugin } from "graphql-yoga";
import { apiError, ErrorCode } from "../error-codes.ts";

const hasNul = (value: unknown): boolean => {
  if (typeof value === "string") return value.includes("\u0000");
  if (Array.isArray(value)) return value.some(hasNul);
  if (value && typeof value === "object") return Object.values(value).some(hasNul);
  return false;
};

// Parsed documents are cached and reused by yoga, so each is walked once.
const checkedDocuments = new WeakMap<DocumentNode, boolean>();

const documentHasNul = (document: DocumentNode): boolean => {
  const known = checkedDocuments.get(document);
  if (known !== undefined) return known;
  let found = false;
  visit(document, {
    [Kind.STRING]: (node) => {
      if (node.value.includes("\u0000")) found = true;
    },
  });
  checkedDocuments.set(document, found);
  return found;
};

export function useNulGuard(): Plugin {
  const refuse = () => ({
    errors: [apiError(ErrorCode.BAD_USER_INPUT, "Text must not contain the NUL character (U+0000).")],
  });
  return {
    onExecute({ args, setResultAndStopExecution }) {
      if (hasNul(args.variableValues) || documentHasNul(args.document as DocumentNode)) setResultAndStopExecution(refuse());
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      if (hasNul(args.variableValues) || documentHasNul(args.document as DocumentNode)) setResultAndStopExecution(refuse());
    },
  };
}
