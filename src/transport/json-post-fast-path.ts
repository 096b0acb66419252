/**
 * The common request, served without yoga's HTTP layer: a `POST /graphql` with a JSON body and
 * a JSON answer, which is what GraphQL clients send for every query and mutation.
 *
 * yoga turns each node request into a Fetch `Request`, streams its body through a parser, runs
 * a dozen request-level hooks, builds a Fetch `Response` and writes it back: per request that is
 * more CPU than the query itself (docs/benchmarks.md). This path reads the body itself and hands
 * the parameters to yoga's own operation pipeline (`getResultForParams`: the parameter hooks,
 * then envelop's parse, validate, context, execute, with yoga's error handling), and answers
 * with yoga's own result processor (`processRegularResult`: status codes, headers, the body).
 * What differs is only how bytes get in and out.
 *
 * It takes a request only when it is certain yoga would answer it the same way, and otherwise
 * hands it to yoga (`take` returns false before anything is read; a body already read is given
 * to yoga with the request). Handed to yoga: every method but POST, other paths or a query
 * string, other content types, a missing or oversized Content-Length, an `Origin` header (CORS
 * is yoga's), an `Accept` that no JSON type satisfies, while the server is unavailable or its
 * operation budget is full (yoga answers those with 503), a body that is not a JSON object (a
 * batch, a syntax error), and any document that may answer with a stream (a subscription,
 * `@defer`, `@stream`). `tests/integration/json-post-fast-path.test.ts` sends the same requests
 * both ways and requires the same answers.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { isAsyncIterable, processRegularResult, type YogaServerInstance } from "graphql-yoga";
import { OperationTypeNode, parse, type DocumentNode, type ExecutionResult } from "graphql";
import type { Context } from "../context.ts";
import { operationsOf, usesIncrementalDelivery } from "../documents.ts";
import { apiErrorBody, ErrorCode } from "../error-codes.ts";
import type { Logger } from "../observability/logger.ts";
import { safeError } from "../observability/safe-error.ts";
import { documentIdOf, type TrustedDocuments } from "./trusted-documents.ts";

export interface JsonPostFastPathDeps {
  readonly yoga: YogaServerInstance<Record<string, unknown>, Context>;
  readonly graphqlPath: string;
  readonly maxBodyBytes: number;
  /** The operation limits' token limit: no document longer than it is run, so none is parsed further here. */
  readonly maxTokens: number;
  /** Whether yoga answers cross-origin requests with CORS headers: then a request with an `Origin` is yoga's. */
  readonly cors: boolean;
  readonly trustedDocuments: TrustedDocuments;
  readonly logger: Logger;
  /** Whether yoga must answer instead (the server is not serving, its budget is full): it knows how. */
  readonly yogaAnswers: () => boolean;
  /** Headers every response carries that yoga's response hooks would add (the request id). */
  readonly responseHeaders: (request: Request) => Record<string, string>;
  /** Told who served each JSON POST (a metric). */
  readonly onServed: (by: "direct" | "yoga") => void;
}

export interface JsonPostFastPath {
  /** Serves the request and returns true, or returns false without touching it: yoga serves it. */
  take(request: IncomingMessage, response: ServerResponse): boolean;
}

/** How many documents' "may it stream?" verdicts are remembered (each is a parse of the text), and up to what length. */
const VERDICTS_KEPT = 1000;
const VERDICT_TEXT_MAX = 16_384;

/**
 * Whether a document may answer with a stream of results (a subscription, `@defer`, `@stream`),
 * which only yoga's other result processors send. A document that does not parse cannot stream:
 * yoga's pipeline answers its syntax error.
 */
function mayStream(text: string, maxTokens: number): boolean {
  let document: DocumentNode;
  try {
    // Bounded by the token limit (with room for how graphql-armor counts), which refuses a
    // longer document before it runs: a 1 MB document must not cost a full parse here.
    document = parse(text, { noLocation: true, maxTokens: 2 * maxTokens });
  } catch {
    return false;
  }
  return usesIncrementalDelivery(document) || operationsOf(document).some((operation) => operation.operation === OperationTypeNode.SUBSCRIPTION);
}

/** `processRegularResult` builds a Fetch Response; this records what it was given instead. */
class RecordedResponse {
  readonly body: string | null;
  readonly init: { status?: number; headers?: Record<string, string> };
  constructor(body: string | null, init: { status?: number; headers?: Record<string, string> } = {}) {
    this.body = body;
    this.init = init;
  }
}
const RECORDING_FETCH_API = { Response: RecordedResponse } as unknown as Parameters<typeof processRegularResult>[1];

export function createJsonPostFastPath({ yoga, graphqlPath, maxBodyBytes, maxTokens, cors, trustedDocuments, logger, yogaAnswers, responseHeaders, onServed }: JsonPostFastPathDeps): JsonPostFastPath {
  // A failure escaping getResultForParams means nothing ran (see below) only while no plugin
  // inspects results after execution there; one that does would make handing over re-run work.
  if ((yoga as unknown as { onExecutionResultHooks?: unknown[] }).onExecutionResultHooks?.length) {
    throw new Error("json-post-fast-path: a plugin with onExecutionResult hooks needs this path revisited (a failure would no longer mean nothing ran)");
  }
  const serveWithBody = async (request: IncomingMessage, response: ServerResponse, accepted: string, body: Buffer) => {
    let params: unknown;
    try {
      params = JSON.parse(body.toString("utf8"));
    } catch {
      params = undefined;
    }
    const text = isObject(params) ? documentText(params) : undefined;
    if (text === undefined || streams(text)) return handToYoga(request, response, body);

    const fetchRequest = new yoga.fetchAPI.Request(`http://${request.headers.host ?? "localhost"}${request.url}`, {
      method: "POST",
      headers: request.headers as Record<string, string>,
    });
    const serverContext = { req: request, res: response, waitUntil: (promise: Promise<unknown>) => void promise.catch(() => {}) };
    let result: ExecutionResult;
    try {
      result = (await yoga.getResultForParams({ params: params as never, request: fetchRequest }, serverContext)) as ExecutionResult;
    } catch {
      // Only the parameter hooks throw out of getResultForParams (yoga's parameter checks, the
      // trusted-documents refusals): nothing has run yet, and yoga answers these its own way.
      return handToYoga(request, response, body);
    }
    if (isAsyncIterable(result)) {
      // Ruled out above (`streams`); should a stream get here anyway, it is ended, not leaked.
      void (result as AsyncIterable<unknown>)[Symbol.asyncIterator]().return?.();
      throw new Error("a document judged not to stream answered with a stream");
    }
    const answer = processRegularResult(result, RECORDING_FETCH_API, accepted) as unknown as RecordedResponse;
    const headers = { ...answer.init.headers, "content-length": String(Buffer.byteLength(answer.body ?? "")), ...responseHeaders(fetchRequest) };
    response.writeHead(answer.init.status ?? 200, headers);
    response.end(answer.body);
    onServed("direct");
  };

  /**
   * The document a request runs, as yoga's trusted-documents plugin picks it: the text it sent
   * (an empty one counts as none), else the trusted document it names. Undefined: not known here.
   */
  const documentText = (params: Record<string, unknown>): string | undefined => {
    if (params.query) return typeof params.query === "string" ? params.query : undefined;
    const id = documentIdOf(params);
    return id === null ? undefined : trustedDocuments.get(id);
  };

  // Oldest out first when full: the texts of a deployment's clients are few and stay.
  const verdicts = new Map<string, boolean>();
  const streams = (text: string) => {
    if (text.length > VERDICT_TEXT_MAX) return mayStream(text, maxTokens);
    let verdict = verdicts.get(text);
    if (verdict === undefined) {
      if (verdicts.size >= VERDICTS_KEPT) verdicts.delete(verdicts.keys().next().value!);
      verdicts.set(text, (verdict = mayStream(text, maxTokens)));
    }
    return verdict;
  };

  const handToYoga = (request: IncomingMessage, response: ServerResponse, body: Buffer) => {
    // @whatwg-node reads a request's `body`, when set, instead of its (consumed) stream. A
    // stream, not the Buffer: it looks at `Object.keys(body)`, which for a Buffer lists every byte.
    (request as IncomingMessage & { body?: Readable }).body = Readable.from([body]);
    onServed("yoga");
    void yoga.requestListener(request, response);
  };

  return {
    take(request, response) {
      const { headers } = request;
      if (request.method !== "POST" || request.url !== graphqlPath || !isJsonContentType(headers["content-type"])) return false;
      const length = headers["content-length"];
      const accepted = acceptedJsonMediaType(headers.accept);
      if (
        (cors && headers.origin !== undefined) ||
        headers["transfer-encoding"] !== undefined ||
        length === undefined ||
        !/^[1-9]\d{0,8}$/.test(length) ||
        Number(length) > maxBodyBytes ||
        accepted === null ||
        yogaAnswers()
      ) {
        onServed("yoga");
        return false;
      }

      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.once("end", () => {
        serveWithBody(request, response, accepted, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)).catch((error: unknown) => {
          // yoga's pipeline answers every failure itself; reaching here is a defect in this path.
          logger.error({ err: safeError(error) }, "the JSON POST path failed");
          if (response.headersSent) response.destroy();
          else response.writeHead(500, { "content-type": "application/json; charset=utf-8" }).end(apiErrorBody(ErrorCode.INTERNAL_SERVER_ERROR, "Unexpected error."));
        });
      });
      // A client that goes away mid-body: nothing was read or run, and the response closes with the socket.
      request.on("error", () => {});
      return true;
    },
  };
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** The JSON content types clients send, spelled as yoga accepts them (it compares case and spaces exactly). */
const JSON_CONTENT_TYPES = new Set(["application/json", "application/json; charset=utf-8", "application/json;charset=utf-8", "application/json; charset=UTF-8"]);
const isJsonContentType = (value: string | undefined) => value !== undefined && JSON_CONTENT_TYPES.has(value);

/**
 * The JSON media type yoga's result processing would answer a single result with, or null when
 * none is acceptable (yoga: `getMediaTypesForRequestInOrder` and `useResultProcessors`). For a
 * single result the JSON processor wins whenever any accepted type matches it; the first such
 * type in the header picks which one, and a wildcard means `application/json`.
 */
export function acceptedJsonMediaType(accept: string | undefined): string | null {
  const types: string[] = [];
  for (const entry of (accept || "*/*").replace(/\s/g, "").toLowerCase().split(",")) {
    const [type, ...parameters] = entry.split(";");
    if (type === undefined) continue;
    const charset = parameters.find((parameter) => parameter.includes("charset=")) ?? "charset=utf-8";
    if (charset === "charset=utf-8") types.push(type);
  }
  for (const type of types) {
    const [pre, suf] = type.split("/");
    if ((pre === "*" || pre === "application") && (suf === "*" || suf === "json")) return "application/json";
    if ((pre === "*" || pre === "application") && suf === "graphql-response+json") return "application/graphql-response+json";
  }
  return null;
}
