/**
 * Who is calling: `Authorization: Bearer <JWT>` over HTTP, `{ authorization: "Bearer <JWT>" }`
 * in graphql-ws's connection_init. A present but invalid token is refused (401 over HTTP;
 * 4403 over WebSocket, where a token is required). Anonymous callers may only sign up
 * (`createUser`), ask who they are (`viewer`) and introspect; anything else is UNAUTHENTICATED.
 */
import { GraphQLError, Kind, type DocumentNode } from "graphql";
import type { Plugin } from "graphql-yoga";
import type { Context } from "../context.ts";
import { ANONYMOUS, type Viewer } from "../domain/access/viewer.ts";
import { selectedOperation } from "../documents.ts";
import { InvalidTokenError, type TokenVerifier, type VerifiedToken } from "../infra/auth/token-verifier.ts";

const ANONYMOUS_FIELDS = new Set(["createUser", "viewer", "__typename", "__schema", "__type"]);

export const unauthenticated = (message: string, status?: number) =>
  new GraphQLError(message, { extensions: { code: "UNAUTHENTICATED", ...(status ? { http: { status } } : {}) } });

/** The viewer of an Authorization header value; throws UNAUTHENTICATED (401) for a bad token. */
export async function viewerOfHeader(verify: TokenVerifier, header: string | null | undefined): Promise<VerifiedToken | null> {
  if (!header) return null;
  const token = /^Bearer\s+(\S+)$/i.exec(header.trim())?.[1];
  if (!token) throw unauthenticated('The Authorization header must be "Bearer <token>".', 401);
  try {
    return await verify(token);
  } catch (error) {
    if (error instanceof InvalidTokenError) throw unauthenticated(`Invalid token: ${error.message}.`, 401);
    throw error;
  }
}

/** Refuses anything but sign-up and introspection to anonymous callers, before it runs. */
export function useAnonymousGate(): Plugin<Context> {
  const check = (viewer: Viewer, document: DocumentNode, operationName: string | null | undefined) => {
    if (viewer.kind !== "anonymous") return null;
    const operation = selectedOperation(document, operationName);
    const fields = operation?.selectionSet.selections.flatMap((selection) => (selection.kind === Kind.FIELD ? [selection.name.value] : ["(fragment)"])) ?? [];
    return fields.every((field) => ANONYMOUS_FIELDS.has(field)) ? null : { errors: [unauthenticated("Sign in: send Authorization: Bearer <token>. Without one you may only create a user.")] };
  };
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const refused = check(args.contextValue.viewer ?? ANONYMOUS, args.document as DocumentNode, args.operationName as string | null | undefined);
      if (refused) setResultAndStopExecution(refused);
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const refused = check(args.contextValue.viewer ?? ANONYMOUS, args.document as DocumentNode, args.operationName as string | null | undefined);
      if (refused) setResultAndStopExecution(refused);
    },
  };
}
