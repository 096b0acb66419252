/**
 * Limits on the request itself, before any GraphQL work:
 * - Requests larger than the body limit are refused with 413 before their body is read; a POST
 *   without a Content-Length (chunked) is refused with 411, since its size is unknown up front,
 *   and one with a malformed Content-Length with 400. Node's HTTP parser never delivers more
 *   body than the Content-Length says, so this is the whole limit: yoga's own (which streams
 *   every body through a counting transform) is turned off in app.ts.
 * - Variables nested deeper than any input type of the schema allows (a 100 KB `[[[…]]]` is
 *   50,000 levels) are refused with 400 BAD_USER_INPUT before anything walks them recursively.
 */
import type { Plugin } from "graphql-yoga";
import { apiError, apiErrorBody, ErrorCode } from "../error-codes.ts";

/** Deeper than any input the schema takes (its deepest is a few levels). */
export const MAX_VARIABLE_DEPTH = 32;

/** Whether `value` nests arrays or objects deeper than `maxDepth` (checked without recursion). */
export function nestedDeeperThan(value: unknown, maxDepth: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  for (let item = stack.pop(); item; item = stack.pop()) {
    const [current, depth] = item;
    if (current === null || typeof current !== "object") continue;
    if (depth >= maxDepth) return true;
    for (const child of Array.isArray(current) ? current : Object.values(current)) stack.push([child, depth + 1]);
  }
  return false;
}

export const variablesTooDeepError = () =>
  apiError(ErrorCode.BAD_USER_INPUT, `Variables must not nest deeper than ${MAX_VARIABLE_DEPTH} levels.`, { httpStatus: 400 });

export function useVariableDepthLimit(): Plugin {
  return {
    onParams({ params, setResult }) {
      if (params.variables && nestedDeeperThan(params.variables, MAX_VARIABLE_DEPTH)) setResult({ errors: [variablesTooDeepError()] });
    },
  };
}

export function useRequestBodyLimit(maxBytes: number): Plugin {
  const refuse = (status: number, message: string) =>
    new Response(apiErrorBody(status === 413 ? ErrorCode.PAYLOAD_TOO_LARGE : status === 411 ? ErrorCode.LENGTH_REQUIRED : ErrorCode.BAD_REQUEST, message), {
      status,
      headers: { "content-type": "application/json; charset=utf-8", connection: "close" },
    });
  return {
    onRequest(payload) {
      const { request } = payload;
      const endResponse = (response: Response) => payload.endResponse(response);
      if (request.method !== "POST") return;
      const length = request.headers.get("content-length");
      if (length === null) {
        if (request.headers.get("transfer-encoding")) endResponse(refuse(411, "Send a Content-Length header; chunked request bodies are not accepted."));
        return;
      }
      if (!/^\d+$/.test(length)) endResponse(refuse(400, "The Content-Length header is invalid."));
      else if (Number(length) > maxBytes) endResponse(refuse(413, `The request body is larger than ${maxBytes} bytes.`));
    },
  };
}

/** A GET whose `variables` or `extensions` parameter is not JSON is the client's mistake (400), not ours: yoga would fail on it with a 500. */
export function useUrlParameterCheck(): Plugin {
  return {
    onRequest(payload) {
      if (payload.request.method !== "GET") return;
      for (const name of ["variables", "extensions"]) {
        const value = payload.url.searchParams.get(name);
        if (value === null) continue;
        try {
          JSON.parse(value);
        } catch {
          payload.endResponse(
            new Response(apiErrorBody(ErrorCode.BAD_REQUEST, `The ${name} parameter must be JSON.`), { status: 400, headers: { "content-type": "application/json; charset=utf-8" } }),
          );
          return;
        }
      }
    },
  };
}
