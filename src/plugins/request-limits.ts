/**
 * Requests larger than the body limit are refused with 413 before their body is read; a POST
 * without a Content-Length (chunked) is refused with 411, since its size is unknown up front.
 */
import type { Plugin } from "graphql-yoga";

export function useRequestBodyLimit(maxBytes: number): Plugin {
  const refuse = (status: number, message: string) =>
    new Response(JSON.stringify({ errors: [{ message, extensions: { code: status === 413 ? "PAYLOAD_TOO_LARGE" : "LENGTH_REQUIRED" } }] }), {
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
      if (Number(length) > maxBytes) endResponse(refuse(413, `The request body is larger than ${maxBytes} bytes.`));
    },
  };
}
