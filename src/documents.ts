import { BREAK, Kind, visit, type DocumentNode, type OperationDefinitionNode } from "graphql";

/** The operations a document defines. */
export const operationsOf = (document: DocumentNode): OperationDefinitionNode[] =>
  document.definitions.filter((definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION);

/** The operation a request runs: the one it names, or the only one. */
export function selectedOperation(document: DocumentNode, operationName: string | null | undefined): OperationDefinitionNode | undefined {
  const operations = operationsOf(document);
  return operationName ? operations.find((operation) => operation.name?.value === operationName) : operations[0];
}

/** Whether a document asks for incremental delivery (`@defer` or `@stream` anywhere in it). */
const incremental = new WeakMap<DocumentNode, boolean>();
export function usesIncrementalDelivery(document: DocumentNode): boolean {
  let found = incremental.get(document);
  if (found !== undefined) return found;
  found = false;
  visit(document, {
    Directive(directive) {
      if (directive.name.value !== "defer" && directive.name.value !== "stream") return;
      found = true;
      return BREAK;
    },
  });
  incremental.set(document, found);
  return found;
}
