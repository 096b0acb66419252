/**
 * The JSON POST path (src/transport/json-post-fast-path.ts) answers exactly as yoga does. Every
 * request here goes over HTTP to two servers on one database: one as deployed (which serves it
 * directly or hands it to yoga) and a twin whose JSON POST path takes nothing, so yoga serves
 * everything; both answers must agree: status, headers, body. Each case also says who must have
 * served it, counted by the `http_graphql_json_posts_total` metric, so the direct path cannot
 * silently stop being taken.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Instance } from "../../src/instance.ts";
import { ADMIN_AUTHORIZATION } from "../support/auth.ts";
import { startTestInstance } from "../support/instances.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

const USER_BY_ID = "query UserById($id: ID!) { user(id: $id) { id email name status } }";
const USERS = "query Users { users(first: 3) { totalCount edges { cursor node { id email } } pageInfo { hasNextPage } } }";
const TRUSTED_SUBSCRIPTION = "subscription Events { orderEvents { id } }";
const TRUSTED_DEFER = "query Deferred { users(first: 1) { nodes { id ... @defer { email } } } }";
const TRUSTED = [USER_BY_ID, USERS, TRUSTED_SUBSCRIPTION, TRUSTED_DEFER];
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

let dir: string;
let db: TestDatabase;
let instance: Instance;
/** The same server, but yoga answers every request. */
let yogaOnly: Instance;
let userId: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "json-post-"));
  const manifest = join(dir, "persisted-documents.json");
  writeFileSync(manifest, JSON.stringify(Object.fromEntries(TRUSTED.map((document) => [sha256(document), document]))));
  db = await createTestDatabase();
  const options = { databaseUrl: db.url, migrate: false, trustedDocuments: { file: manifest, only: false }, corsOrigins: "*" } as const;
  [instance, yogaOnly] = await Promise.all([startTestInstance(options), startTestInstance(options)]);
  Object.assign(yogaOnly.app, { jsonPosts: { take: () => false } });
  const created = await answerOf(instance, {
    body: { query: `mutation { createUser(input: { email: "first@example.com", name: "First" }) { user { id } } }` },
  });
  userId = (created.body as any).data.createUser.user.id;
});
afterAll(async () => {
  await instance?.close();
  await yogaOnly?.close();
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

interface Case {
  readonly name: string;
  /** A JSON value (serialized here) or raw text. */
  readonly body: unknown;
  readonly raw?: boolean;
  readonly headers?: Record<string, string>;
  /** Who must serve it: directly, handed to yoga, or yoga without the JSON POST path looking (not a JSON POST). */
  readonly servedBy: "direct" | "yoga" | "not a JSON POST";
}

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: unknown;
}

/** Headers that differ between two answers by nature: when, over which connection, and the generated request id. */
const VOLATILE_HEADERS = new Set(["date", "connection", "keep-alive", "transfer-encoding", "x-request-id", "content-length"]);

async function answerOf(target: Instance, { body, raw, headers = {} }: Pick<Case, "body" | "raw" | "headers">): Promise<Answer> {
  const init = {
    method: "POST",
    headers: { "content-type": "application/json", authorization: ADMIN_AUTHORIZATION, ...headers },
    body: raw ? (body as string) : JSON.stringify(body),
  };
  for (const [name, value] of Object.entries(init.headers)) if (value === "") delete init.headers[name as keyof typeof init.headers];
  const response = await fetch(target.url, init);
  const text = await response.text();
  const kept: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    if (!VOLATILE_HEADERS.has(name)) kept[name] = value;
  });
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: compared as text
  }
  return { status: response.status, headers: kept, body: parsed };
}

async function servedCounts(target: Instance): Promise<Record<string, number>> {
  const metric = await target.app.metrics.registry.getSingleMetric("http_graphql_json_posts_total")!.get();
  return Object.fromEntries(metric.values.map((value) => [String(value.labels.served_by), value.value]));
}

/** Sends the case to `target` and to `twin` (yoga alone); the answers must agree and `target` must have served it as the case says. */
async function expectSameAnswer(target: Instance, twin: Instance, testCase: Case): Promise<Answer> {
  const before = await servedCounts(target);
  const viaServer = await answerOf(target, testCase);
  const after = await servedCounts(target);
  expect({ direct: (after.direct ?? 0) - (before.direct ?? 0), yoga: (after.yoga ?? 0) - (before.yoga ?? 0) }, `${testCase.name}: served by`).toEqual({
    direct: testCase.servedBy === "direct" ? 1 : 0,
    yoga: testCase.servedBy === "yoga" ? 1 : 0,
  });
  const viaYoga = await answerOf(twin, testCase);
  expect(viaServer, testCase.name).toEqual(viaYoga);
  return viaServer;
}

const APOLLO_ACCEPT = "application/graphql-response+json,application/json;q=0.9";
const URQL_ACCEPT = "application/graphql-response+json, application/graphql+json, application/json, text/event-stream, multipart/mixed";

describe("served directly, answered as yoga answers", () => {
  const cases = (): Case[] => [
    { name: "a query with variables and an operation name", body: { query: USER_BY_ID, variables: { id: userId }, operationName: "UserById" }, servedBy: "direct" },
    { name: "a connection with cursors and a count", body: { query: USERS }, servedBy: "direct" },
    { name: "Apollo Client's Accept", body: { query: USERS }, headers: { accept: APOLLO_ACCEPT }, servedBy: "direct" },
    { name: "urql's Accept (streams listed, JSON first)", body: { query: USERS }, headers: { accept: URQL_ACCEPT }, servedBy: "direct" },
    { name: "Accept */*", body: { query: USERS }, headers: { accept: "*/*" }, servedBy: "direct" },
    { name: "no Accept", body: { query: USERS }, headers: { accept: "" }, servedBy: "direct" },
    { name: "a charset in the Content-Type", body: { query: USERS }, headers: { "content-type": "application/json; charset=utf-8" }, servedBy: "direct" },
    { name: "anonymous (an error and the cost)", body: { query: USERS }, headers: { authorization: "" }, servedBy: "direct" },
    { name: "an invalid token (401)", body: { query: USERS }, headers: { authorization: "Bearer not-a-token" }, servedBy: "direct" },
    { name: "a malformed Authorization header (401)", body: { query: USERS }, headers: { authorization: "Basic abc" }, servedBy: "direct" },
    { name: "a syntax error", body: { query: "{ users(first: 1) { " }, servedBy: "direct" },
    { name: "a syntax error, graphql-response+json (400)", body: { query: "{ users(first: 1) { " }, headers: { accept: "application/graphql-response+json" }, servedBy: "direct" },
    { name: "an unknown field", body: { query: "{ users(first: 1) { nodes { nope } } }" }, servedBy: "direct" },
    { name: "an unknown field, graphql-response+json", body: { query: "{ users(first: 1) { nodes { nope } } }" }, headers: { accept: "application/graphql-response+json" }, servedBy: "direct" },
    { name: "an operation name the document lacks", body: { query: USERS, operationName: "Other" }, servedBy: "direct" },
    { name: "a variable of the wrong type", body: { query: USER_BY_ID, variables: { id: 5 } }, servedBy: "direct" },
    { name: "a missing variable", body: { query: USER_BY_ID }, servedBy: "direct" },
    { name: "an ID that is not one", body: { query: USER_BY_ID, variables: { id: "nonsense" } }, servedBy: "direct" },
    { name: "over the cost limit", body: { query: "{ users(first: 100) { nodes { orders(first: 100) { nodes { items { sku } } } } } }" }, servedBy: "direct" },
    { name: "variables nested too deep (400)", body: { query: USER_BY_ID, variables: { id: JSON.parse("[".repeat(40) + "]".repeat(40)) } }, servedBy: "direct" },
    { name: "a trusted document by documentId", body: { documentId: `sha256:${sha256(USERS)}` }, servedBy: "direct" },
    { name: "a trusted document by Apollo's persistedQuery", body: { extensions: { persistedQuery: { version: 1, sha256Hash: sha256(USER_BY_ID) } }, variables: { id: userId } }, servedBy: "direct" },
    { name: "a caller's x-request-id", body: { query: USERS }, headers: { "x-request-id": "caller-chosen-id-1" }, servedBy: "direct" },
    { name: "a document far over the token limit", body: { query: `{ ${"a ".repeat(100_000)}}` }, servedBy: "direct" },
    { name: "a subscription far over the token limit", body: { query: `subscription { ${"a ".repeat(100_000)}}` }, servedBy: "direct" },
    { name: "a mutation's typed error", body: { query: `mutation { createUser(input: { email: "first@example.com", name: "Again" }) { user { id } errors { code message } } }` }, servedBy: "direct" },
  ];
  it("every case", async () => {
    for (const testCase of cases()) await expectSameAnswer(instance, yogaOnly, testCase);
  });

  it("echoes the caller's request id and sets a content length", async () => {
    const response = await fetch(instance.url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: ADMIN_AUTHORIZATION, "x-request-id": "caller-chosen-id-2" },
      body: JSON.stringify({ query: USERS }),
    });
    const text = await response.text();
    expect(response.headers.get("x-request-id")).toBe("caller-chosen-id-2");
    expect(Number(response.headers.get("content-length"))).toBe(Buffer.byteLength(text));
  });
});

describe("handed to yoga", () => {
  const cases = (): Case[] => [
    { name: "invalid JSON", body: "{ not json", raw: true, servedBy: "yoga" },
    { name: "a batch", body: [{ query: USERS }], servedBy: "yoga" },
    { name: "a JSON string", body: "just a string", servedBy: "yoga" },
    { name: "JSON null", body: null, servedBy: "yoga" },
    { name: "no query", body: {}, servedBy: "yoga" },
    { name: "a query that is not a string", body: { query: 5 }, servedBy: "yoga" },
    { name: "extensions that are not an object", body: { query: USERS, extensions: true }, servedBy: "yoga" },
    { name: "variables that are not an object", body: { query: USERS, variables: "x" }, servedBy: "yoga" },
    { name: "an unknown parameter", body: { query: USERS, nonsense: 1 }, servedBy: "yoga" },
    { name: "an unknown trusted document", body: { documentId: `sha256:${sha256("{ __typename }")}` }, servedBy: "yoga" },
    { name: "a subscription, JSON only (406)", body: { query: "subscription { orderEvents { id } }" }, headers: { accept: "application/json" }, servedBy: "yoga" },
    { name: "@defer", body: { query: "{ users(first: 1) { nodes { id ... @defer { email } } } }" }, headers: { accept: "multipart/mixed" }, servedBy: "yoga" },
    { name: "@defer, JSON only", body: { query: "{ users(first: 1) { nodes { id ... @defer { email } } } }" }, servedBy: "yoga" },
    { name: "Accept: text/event-stream only", body: { query: USERS }, headers: { accept: "text/event-stream" }, servedBy: "yoga" },
    { name: "an Accept nothing satisfies (406)", body: { query: USERS }, headers: { accept: "application/xml" }, servedBy: "yoga" },
    { name: "a charset other than UTF-8 accepted", body: { query: USERS }, headers: { accept: "application/json; charset=latin1" }, servedBy: "yoga" },
    { name: "an Origin while CORS is on", body: { query: USERS }, headers: { origin: "https://app.example" }, servedBy: "yoga" },
    { name: "@ defer, with a space", body: { query: "{ users(first: 1) { nodes { id ... @ defer { email } } } }" }, servedBy: "yoga" },
    { name: "@defer in a fragment", body: { query: "{ users(first: 1) { nodes { ...F } } } fragment F on User { id ... @defer { email } }" }, servedBy: "yoga" },
    { name: "an empty query and a trusted subscription's id, JSON only (406)", body: { query: "", documentId: sha256(TRUSTED_SUBSCRIPTION) }, headers: { accept: "application/json" }, servedBy: "yoga" },
    { name: "an empty query and a trusted @defer document's id", body: { query: "", extensions: { persistedQuery: { version: 1, sha256Hash: sha256(TRUSTED_DEFER) } } }, servedBy: "yoga" },
    { name: "a trusted @defer document", body: { documentId: sha256(TRUSTED_DEFER) }, servedBy: "yoga" },
    { name: "a Content-Type in capitals (415)", body: { query: USERS }, headers: { "content-type": "Application/JSON" }, servedBy: "not a JSON POST" },
    { name: "a Content-Type with a space before its parameter (415)", body: { query: USERS }, headers: { "content-type": "application/json ; charset=utf-8" }, servedBy: "not a JSON POST" },
    { name: "a Content-Type with another charset", body: { query: USERS }, headers: { "content-type": "application/json; charset=latin1" }, servedBy: "not a JSON POST" },
  ];
  it("every case", async () => {
    for (const testCase of cases()) {
      const answer = await expectSameAnswer(instance, yogaOnly, testCase);
      if (testCase.name.includes("@defer") && !testCase.name.includes("JSON only")) expect(answer.status).toBe(200);
    }
  });

  it("a body over the limit is refused before it is read (413)", async () => {
    const before = await servedCounts(instance);
    const response = await fetch(instance.url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: ADMIN_AUTHORIZATION },
      body: JSON.stringify({ query: USERS, variables: { pad: "x".repeat(2_000_000) } }),
    });
    expect(response.status).toBe(413);
    expect(((await servedCounts(instance)).yoga ?? 0) - (before.yoga ?? 0)).toBe(1);
  });
});

describe("robustness", () => {
  it("a client that sends half a body and goes away costs nothing, and the next request is served", async () => {
    await new Promise<void>((resolve) => {
      const url = new URL(instance.url);
      const partial = httpRequest({ host: url.hostname, port: url.port, path: url.pathname, method: "POST", headers: { "content-type": "application/json", "content-length": "1000" } });
      partial.on("error", () => resolve());
      partial.write('{"query": "{ users(first: 1) { nodes { id } } }"');
      setTimeout(() => {
        partial.destroy();
        resolve();
      }, 50);
    });
    const answer = await answerOf(instance, { body: { query: USERS } });
    expect(answer.status).toBe(200);
    expect((answer.body as any).data.users.totalCount).toBeGreaterThan(0);
  });

  it("many requests at once, each answered with its own result and request id", async () => {
    const ids = Array.from({ length: 200 }, (_, index) => `concurrent-${index}`);
    const answers = await Promise.all(
      ids.map(async (requestId, index) => {
        const response = await fetch(instance.url, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: ADMIN_AUTHORIZATION, "x-request-id": requestId },
          body: JSON.stringify(index % 2 ? { query: USER_BY_ID, variables: { id: userId } } : { query: "{ users(first: 1) { nodes { id ... on User { email } } } }" }),
        });
        return { requestId: response.headers.get("x-request-id"), body: (await response.json()), index };
      }),
    );
    for (const answer of answers) {
      expect(answer.requestId).toBe(`concurrent-${answer.index}`);
      if (answer.index % 2) expect(answer.body.data.user.id).toBe(userId);
      else expect(answer.body.data.users.nodes).toHaveLength(1);
    }
  });
});

describe("with CORS off", () => {
  let plain: Instance;
  let plainYogaOnly: Instance;
  beforeAll(async () => {
    const options = { databaseUrl: db.url, migrate: false, corsOrigins: false } as const;
    [plain, plainYogaOnly] = await Promise.all([startTestInstance(options), startTestInstance(options)]);
    Object.assign(plainYogaOnly.app, { jsonPosts: { take: () => false } });
  });
  afterAll(async () => {
    await plain?.close();
    await plainYogaOnly?.close();
  });
  it("a request with an Origin is served directly, without CORS headers, as yoga would", async () => {
    const answer = await expectSameAnswer(plain, plainYogaOnly, { name: "Origin, CORS off", body: { query: USERS }, headers: { origin: "https://app.example" }, servedBy: "direct" });
    expect(Object.keys(answer.headers).filter((name) => name.startsWith("access-control-"))).toEqual([]);
  });
});

describe("a Host that makes no URL", () => {
  it("is refused with 400 and a JSON error, on either path (yoga would answer 500 with a stack trace)", async () => {
    const url = new URL(instance.url);
    for (const body of [JSON.stringify({ query: USERS }), "{ not json"]) {
      const answer = await new Promise<{ status: number; contentType: string | undefined; text: string }>((resolve, reject) => {
        const sent = httpRequest(
          { host: url.hostname, port: url.port, path: url.pathname, method: "POST", setHost: false, headers: { host: "a b", "content-type": "application/json", "content-length": Buffer.byteLength(body) } },
          (response) => {
            let text = "";
            response.on("data", (chunk: Buffer) => (text += chunk.toString()));
            response.on("end", () => resolve({ status: response.statusCode!, contentType: response.headers["content-type"], text }));
          },
        );
        sent.on("error", reject);
        sent.end(body);
      });
      expect(answer.status).toBe(400);
      expect(answer.contentType).toBe("application/json; charset=utf-8");
      expect(JSON.parse(answer.text).errors[0].extensions.code).toBe("BAD_REQUEST");
    }
  });
});
