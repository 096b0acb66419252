import { Kind, type DocumentNode, type OperationDefinitionNode } from "graphql";

/** The operations a document defines. */
export const operationsOf = (document: DocumentNode): OperationDefinitionNode[] =>
  document.definitions.filter((definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION);

/** The operation a request runs: the one it names, or the only one. */
export function selectedOperation(document: DocumentNode, operationName: string | null | undefined): OperationDefinitionNode | undefined {
  const operations = operationsOf(document);
  return operationName ? operations.find((operation) => operation.name?.value === operationName) : operations[0];
}
