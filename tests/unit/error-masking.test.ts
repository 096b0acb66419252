/**
 * The masking plugin on incremental delivery: a failure inside a deferred part reaches the
 * client as "Unexpected error." with the request id, like any other, and is logged once.
 */
import { useDeferStream } from "@graphql-yoga/plugin-defer-stream";
import { createSchema, createYoga } from "graphql-yoga";
import { meros } from "meros/browser";
import { pino } from "pino";
import { expect, it } from "vitest";
import { useErrorMasking } from "../../src/plugins/error-masking.ts";

it("masks an unexpected failure inside a deferred part and logs it with the request id", async () => {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: "info" }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  const schema = createSchema<{ requestId: string }>({
    typeDefs: `type Query { fine: String! slow: Slow! } type Slow { secret: String }`,
    resolvers: {
      Query: { fine: () => "ok", slow: () => ({}) },
      Slow: { secret: () => Promise.reject(new Error('relation "users" does not exist (SQL: select secret from users)')) },
    },
  });
  const yoga = createYoga({ schema, logging: false, context: () => ({ requestId: "request-1" }), plugins: [useDeferStream(), useErrorMasking(logger)] });
  const response = await yoga.fetch("http://localhost/graphql", {
    method: "POST",
    headers: { "content-type": "application/json", accept: "multipart/mixed" },
    body: JSON.stringify({ query: "{ fine ... @defer { slow { secret } } }" }),
  });
  const parts = await meros<{ data?: unknown; incremental?: Array<{ errors?: unknown[] }> }>(response);
  const payloads: Array<{ data?: unknown; incremental?: Array<{ errors?: unknown[] }> }> = [];
  if (Symbol.asyncIterator in parts) for await (const part of parts) payloads.push(part.body);
  expect(payloads[0]).toMatchObject({ data: { fine: "ok" } });
  const errors = payloads.flatMap((payload) => payload.incremental ?? []).flatMap((part) => part.errors ?? []);
  expect(errors).toEqual([{ message: "Unexpected error.", locations: expect.any(Array), path: ["slow", "secret"], extensions: { code: "INTERNAL_SERVER_ERROR", requestId: "request-1" } }]);
  expect(JSON.stringify(payloads)).not.toMatch(/relation|SQL/);
  expect(lines.filter((line) => line.msg === "unexpected error in a resolver")).toEqual([expect.objectContaining({ requestId: "request-1", path: "slow.secret" })]);
});
