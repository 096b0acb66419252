/**
 * Trusted documents (persisted operations): the operations a deployment's clients were built
 * with, from a manifest in the format graphql-codegen's client preset writes with
 * `persistedDocuments` (`{ "<sha256 of the document>": "<document>" }`). A request names one by
 * `documentId` (the GraphQL-over-HTTP persisted documents proposal: "sha256:<hex>" or the bare
 * key) or by Apollo's `extensions.persistedQuery.sha256Hash`, over HTTP and WebSocket alike.
 *
 * Every document is parsed and validated against the schema at startup: a manifest with a
 * document this schema cannot run stops the server with the list of what is wrong. A request
 * then runs the document's text through the same pipeline as any other, so every limit applies
 * alike on every transport, and yoga's caches (parse and validation per document, compiled code
 * per document) make the repeat cost small. Handing yoga a parsed document instead was tried:
 * its placeholder text shares yoga's parse cache with ad hoc text, which anyone could poison.
 * With `only`, ad hoc documents are refused.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { usePersistedOperations } from "@graphql-yoga/plugin-persisted-operations";
import { GraphQLError, parse, validate, type DocumentNode, type GraphQLSchema } from "graphql";
import type { Plugin } from "graphql-yoga";
import { apiError, ErrorCode } from "../error-codes.ts";

export interface TrustedDocuments {
  /** Refuse documents sent as text. */
  readonly only: boolean;
  /** The text of the document with this id (a manifest key, with or without "sha256:", any case), or undefined. */
  get(id: string): string | undefined;
}

/** No manifest: every id is unknown, every text document welcome. */
export const NO_TRUSTED_DOCUMENTS: TrustedDocuments = { only: false, get: () => undefined };

export class TrustedDocumentsError extends Error {
  override readonly name = "TrustedDocumentsError";
}

/** Reads and checks a manifest; throws `TrustedDocumentsError` naming every document that is wrong. */
export function loadTrustedDocuments(file: string, schema: GraphQLSchema, { only }: { only: boolean }): TrustedDocuments {
  let manifest: unknown;
  try {
    manifest = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new TrustedDocumentsError(`Cannot read the trusted documents manifest ${file}: ${(error as Error).message}`);
  }
  if (typeof manifest !== "object" || manifest === null || Array.isArray(manifest)) {
    throw new TrustedDocumentsError(`The trusted documents manifest ${file} must be a JSON object of document ids to documents (graphql-codegen's persisted-documents.json)`);
  }
  const documents = new Map<string, string>();
  const problems: string[] = [];
  for (const [given, source] of Object.entries(manifest)) {
    const id = keyOf(given);
    if (typeof source !== "string") {
      problems.push(`${given}: not a document (a string)`);
      continue;
    }
    if (!/^[\w.-]{1,200}$/.test(id)) {
      problems.push(`${given}: an id is letters, digits, "_", "." or "-" (optionally after "sha256:")`);
      continue;
    }
    if (/^[0-9a-f]{64}$/.test(id) && createHash("sha256").update(source).digest("hex") !== id) {
      problems.push(`${given}: the id is not the sha256 of the document`);
      continue;
    }
    if (documents.has(id)) {
      problems.push(`${given}: listed twice`);
      continue;
    }
    try {
      const document: DocumentNode = parse(source);
      const errors = validate(schema, document);
      if (errors.length > 0) problems.push(`${given}: ${errors.map((error) => error.message).join("; ")}`);
      else documents.set(id, source);
    } catch (error) {
      problems.push(`${given}: ${error instanceof GraphQLError ? error.message : String(error)}`);
    }
  }
  if (documents.size === 0 && problems.length === 0) problems.push("it holds no documents (an empty manifest is a mistake: with only-trusted mode every request would be refused)");
  if (problems.length > 0) {
    throw new TrustedDocumentsError(`The trusted documents manifest ${file} has documents this server cannot run:\n${problems.map((line) => `  ${line}`).join("\n")}`);
  }
  return {
    only,
    get: (id) => documents.get(keyOf(id)),
  };
}

/** A manifest key or a requested id, compared without "sha256:" and case. */
const keyOf = (id: string) => (id.toLowerCase().startsWith("sha256:") ? id.slice("sha256:".length) : id).toLowerCase();

/** The document id a request names, or null. `params`: an HTTP request's parameters or a graphql-ws subscribe payload. */
export function documentIdOf(params: { readonly documentId?: unknown; readonly extensions?: unknown }): string | null {
  if (typeof params.documentId === "string") return params.documentId;
  const persisted = (params.extensions as { persistedQuery?: { version?: unknown; sha256Hash?: unknown } } | null | undefined)?.persistedQuery;
  return persisted?.version === 1 && typeof persisted.sha256Hash === "string" ? persisted.sha256Hash : null;
}

export const unknownDocument = () =>
  // Apollo Client's persisted-queries link recognises this message and code.
  apiError(ErrorCode.PERSISTED_QUERY_NOT_FOUND, "PersistedQueryNotFound", { extensions: { reason: "No trusted document has this id." } });

export const adHocRefused = () =>
  apiError(ErrorCode.TRUSTED_DOCUMENTS_ONLY, "Only trusted documents are accepted: send the documentId of a document this API's clients were built with.", { httpStatus: 400 });

/** Serves trusted documents over HTTP through yoga's persisted-operations plugin. */
export function useTrustedDocuments(documents: TrustedDocuments): Plugin {
  return usePersistedOperations({
    getPersistedOperation: (id) => documents.get(id) ?? null,
    // yoga's URL parser keeps only query, operationName, variables and extensions: a GET's
    // `documentId` is read from the URL itself.
    extractPersistedOperationId: (params, request) =>
      documentIdOf(params as { documentId?: unknown; extensions?: unknown }) ?? (request.method === "GET" ? new URL(request.url).searchParams.get("documentId") : null),
    allowArbitraryOperations: !documents.only,
    customErrors: {
      notFound: () => unknownDocument(),
      persistedQueryOnly: () => adHocRefused(),
      keyNotFound: () => apiError(ErrorCode.BAD_REQUEST, "Send a query, or the documentId of a trusted document.", { httpStatus: 400 }),
    },
  });
}
