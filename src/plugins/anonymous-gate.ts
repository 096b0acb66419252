/**
 * Refuses operations an anonymous caller may not run, before anything runs: only root fields
 * marked `openToAnonymous` where the schema declares them (sign-up, `viewer`), and introspection,
 * are open without a token. The services enforce the same rules again; this answers early and
 * uniformly (UNAUTHENTICATED) instead of field by field.
 */
import { Kind, type DocumentNode, type GraphQLSchema } from "graphql";
import type { Plugin } from "graphql-yoga";
import type { Context } from "../context.ts";
import { selectedOperation } from "../documents.ts";
import { ANONYMOUS, type Viewer } from "../domain/access/viewer.ts";
import { isOpenToAnonymous } from "../schema/access.ts";
import { unauthenticated } from "../transport/request-origin.ts";

/** GraphQL's own meta-fields: introspection is answered (or refused) by its own setting. */
const META_FIELDS = new Set(["__typename", "__schema", "__type"]);

export function useAnonymousGate(): Plugin<Context> {
  const check = (schema: GraphQLSchema, viewer: Viewer, document: DocumentNode, operationName: string | null | undefined) => {
    if (viewer.kind !== "anonymous") return null;
    const operation = selectedOperation(document, operationName);
    const root = operation && schema.getRootType(operation.operation);
    const open =
      root !== undefined &&
      root !== null &&
      operation!.selectionSet.selections.every(
        (selection) => selection.kind === Kind.FIELD && (META_FIELDS.has(selection.name.value) || isOpenToAnonymous(root.getFields()[selection.name.value])),
      );
    return open ? null : { errors: [unauthenticated("Sign in: send Authorization: Bearer <token>. Without one you may only create a user.")] };
  };
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const refused = check(args.schema as GraphQLSchema, args.contextValue.viewer ?? ANONYMOUS, args.document as DocumentNode, args.operationName as string | null | undefined);
      if (refused) setResultAndStopExecution(refused);
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const refused = check(args.schema as GraphQLSchema, args.contextValue.viewer ?? ANONYMOUS, args.document as DocumentNode, args.operationName as string | null | undefined);
      if (refused) setResultAndStopExecution(refused);
    },
  };
}
