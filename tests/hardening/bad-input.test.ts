/**
 * Hostile and malformed requests, as a public endpoint receives them. Each gets its documented
 * status and code, writes nothing, limit rejections never reach the database, and the server
 * still answers a normal query afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Instance } from "../../src/instance.ts";
import { ADMIN_AUTHORIZATION } from "../support/auth.ts";
import { startTestInstance } from "../support/instances.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { priced } from "../support/test-app.ts";

let db: TestDatabase;
let instance: Instance;
const statements: string[] = [];
const logs: Record<string, any>[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  instance = await startTestInstance({
    databaseUrl: db.url,
    migrate: false,
    introspection: false,
    limits: { maxDepth: 12, maxAliases: 30, maxTokens: 2000, maxDirectives: 20, maxCost: 100_000, blockFieldSuggestions: true },
    onStatement: (sql) => statements.push(sql),
    // No background polling, so the statements a request causes are all there is.
    relay: { pollIntervalMs: 600_000, pruneIntervalMs: 600_000 },
    logLines: logs,
  });
  // Let the relay's start-up pass finish, so what follows counts only requests' statements.
  for (let quiet = 0; quiet < 5; ) {
    const seen = statements.length;
    await new Promise((resolve) => setTimeout(resolve, 50));
    quiet = statements.length === seen ? quiet + 1 : 0;
  }
});
afterAll(async () => {
  await instance?.close();
  await db?.drop();
});

const MODERN = { "content-type": "application/json", accept: "application/graphql-response+json", authorization: ADMIN_AUTHORIZATION };
const post = (body: string, headers: Record<string, string> = MODERN) => fetch(instance.url, { method: "POST", headers, body });
const sendQuery = (query: string, variables?: unknown, operationName?: string) => post(JSON.stringify({ query, variables, operationName }));
const userCount = async () => (await db.orm.em.fork().execute<{ n: number }[]>("select count(*)::int as n from users"))[0]!.n;

const nested = (levels: number) => `{ users { nodes { ${"orders { nodes { user { ".repeat(levels)}id${" } } }".repeat(levels)} } } }`;
const createUser = (name: string, email = "victim@example.com") =>
  `mutation { createUser(input: { email: ${JSON.stringify(email)}, name: ${JSON.stringify(name)} }) { user { id } errors { code } } }`;

const cases: { name: string; send: () => Promise<Response>; status: number; code: string; touchesDatabase?: boolean }[] = [
  { name: "malformed JSON", send: () => post("{ nope"), status: 400, code: "BAD_REQUEST" },
  { name: "a form post (no CORS preflight) without the CSRF header", send: () => post(JSON.stringify({ query: createUser("x") }), { "content-type": "application/x-www-form-urlencoded", authorization: ADMIN_AUTHORIZATION }), status: 403, code: "CSRF" },
  { name: "an unsupported content type", send: () => post("query", { "content-type": "application/xml", "x-graphql-csrf": "1", authorization: ADMIN_AUTHORIZATION }), status: 415, code: "" },
  { name: "a variable of the wrong type", send: () => sendQuery("query($f: Int) { users(first: $f) { totalCount } }", { f: "ten" }), status: 400, code: "BAD_USER_INPUT" },
  { name: "an unknown operation name", send: () => sendQuery("query A { users { totalCount } }", undefined, "B"), status: 400, code: "OPERATION_RESOLUTION_FAILURE" },
  { name: "a 5 MB body", send: () => sendQuery("{ users { totalCount } }", { padding: "a".repeat(5_000_000) }), status: 413, code: "PAYLOAD_TOO_LARGE" },
  { name: "depth 40", send: () => sendQuery(nested(13)), status: 400, code: "OPERATION_LIMIT_EXCEEDED" },
  { name: "500 aliases", send: () => sendQuery(`{ users { ${Array.from({ length: 500 }, (_, i) => `a${i}: totalCount`).join(" ")} } }`), status: 400, code: "OPERATION_LIMIT_EXCEEDED" },
  { name: "a document of too many tokens", send: () => sendQuery(`{ ${"users { totalCount } ".repeat(700)}}`), status: 400, code: "OPERATION_LIMIT_EXCEEDED" },
  { name: "a cost bomb", send: () => sendQuery("{ users(first: 100) { nodes { orders(first: 100) { nodes { items { sku } } } } } }"), status: 400, code: "OPERATION_LIMIT_EXCEEDED" },
  { name: "a cost bomb through variables", send: () => sendQuery("query($n: Int) { users(first: $n) { nodes { orders(first: $n) { nodes { items { sku } } } } } }", { n: 100 }), status: 400, code: "OPERATION_LIMIT_EXCEEDED" },
  { name: "introspection (off in production)", send: () => sendQuery("{ __schema { types { name } } }"), status: 400, code: "GRAPHQL_VALIDATION_FAILED" },
  { name: "a malformed cursor", send: () => sendQuery('{ users(after: "not-a-cursor") { totalCount } }'), status: 200, code: "BAD_USER_INPUT" },
  ...[
    ["a cursor with February 30th", "User:CREATED_AT:ASC", "2024-02-30 10:00:00+00"],
    ["a cursor in year 0", "User:CREATED_AT:ASC", "0000-01-01 00:00:00+00"],
    ["a cursor with offset +23:59", "User:CREATED_AT:ASC", "2024-01-01 10:00:00+23:59"],
    ["a cursor with offset +16", "User:CREATED_AT:ASC", "2024-01-01 10:00:00+16"],
    ["a text cursor with a NUL", "User:NAME:ASC", "a\u0000b"],
  ].map(([name, scope, value]) => ({
    name: name!,
    send: () => {
      const cursor = Buffer.from(JSON.stringify([scope, value, "01900000-0000-7000-8000-000000000001"])).toString("base64url");
      const orderBy = scope!.includes("NAME") ? "orderBy: { field: NAME, direction: ASC }, " : "";
      return sendQuery(`{ users(${orderBy}after: "${cursor}") { totalCount nodes { id } } }`);
    },
    status: 200,
    code: "BAD_USER_INPUT",
  })),
  {
    name: "a variable nested 50,000 levels deep (anonymous)",
    send: () =>
      post(`{"query":"query($x: Int) { viewer { id } }","variables":{"x":${"[".repeat(50_000)}${"]".repeat(50_000)}}}`, { "content-type": "application/json", accept: "application/graphql-response+json" }),
    status: 400,
    code: "BAD_USER_INPUT",
  },
  { name: "a malformed ID", send: () => sendQuery('{ user(id: "1 OR 1=1") { id } }'), status: 200, code: "BAD_USER_INPUT" },
  { name: "a NUL character", send: () => sendQuery(createUser("nul\u0000byte")), status: 200, code: "BAD_USER_INPUT" },
  {
    name: "a mutation over GET",
    send: () => fetch(`${instance.url}?query=${encodeURIComponent(createUser("x"))}`, { headers: { "x-graphql-csrf": "1", accept: "application/json", authorization: ADMIN_AUTHORIZATION } }),
    status: 405,
    code: "BAD_REQUEST",
  },
];

describe("bad input", () => {
  it.each(cases)("refuses $name with $status and $code, writing nothing", async ({ send, status, code, touchesDatabase }) => {
    const before = await userCount();
    statements.length = 0;
    const response = await send();
    const text = await response.text();
    const sql = [...statements];
    expect(response.status).toBe(status);
    const body = (text ? JSON.parse(text) : {}) as { errors?: { message: string; extensions?: { code?: string } }[] };
    const codes = (body.errors ?? []).map((error) => error.extensions?.code ?? (error.message.includes("CSRF") ? "CSRF" : undefined));
    if (code) expect(codes).toContain(code);
    for (const error of body.errors ?? []) expect(error.message.length).toBeGreaterThan(10);
    expect(text).not.toMatch(/\bat .*\.(ts|js):\d+|select |insert |constraint|idx_|fk_/i);
    if (!touchesDatabase) expect(sql).toEqual([]);
    expect(await userCount()).toBe(before);
    const healthy = await (await sendQuery("{ users { totalCount } }")).json();
    expect(healthy).toEqual(priced({ data: { users: { totalCount: before } } }));
  });

  it("prices one document anew for each value of its priced variables, and by the operation a request names", async () => {
  const document = "query Pages($n: Int, $skipOrders: Boolean!) { users(first: $n) { nodes { orders(first: $n) @skip(if: $skipOrders) { nodes { items { sku } } } } } } query One { users(first: 1) { totalCount } }";
  const codeOf = async (variables: unknown, operationName = "Pages") => {
    const body = (await (await sendQuery(document, variables, operationName)).json()) as { errors?: { extensions: { code: string } }[] };
    return body.errors?.[0]?.extensions.code ?? "ok";
  };
  expect(await codeOf({ n: 10, skipOrders: false })).toBe("ok");
  expect(await codeOf({ n: 100, skipOrders: false })).toBe("OPERATION_LIMIT_EXCEEDED");
  expect(await codeOf({ n: 10, skipOrders: false })).toBe("ok");
  expect(await codeOf({ n: 5, skipOrders: true })).toBe("ok");
  expect(await codeOf({ n: 100, skipOrders: false })).toBe("OPERATION_LIMIT_EXCEEDED");
  expect(await codeOf({}, "One")).toBe("ok");
});

it("never lets a refusal stick to a document, nor a price for one set of values stand for another", async () => {
  const send = async (query: string, variables: unknown) => {
    const response = await sendQuery(query, variables);
    const body = (await response.json()) as { errors?: { extensions: { code: string } }[] };
    return `${response.status} ${body.errors?.[0]?.extensions.code ?? "ok"}`;
  };
  // Refused first: the document's cached validation must not carry the refusal.
  const pages = "query Sticky($a: Int, $b: Int) { users(first: $a) { nodes { orders(first: $b) { nodes { items { sku } } } } } }";
  expect(await send(pages, { a: 100, b: 100 })).toBe("400 OPERATION_LIMIT_EXCEEDED");
  expect(await send(pages, { a: 1, b: 1 })).toBe("200 ok");
  expect(await send(pages, { a: 100, b: 100 })).toBe("400 OPERATION_LIMIT_EXCEEDED");
  // A missing variable takes its default; an explicit null does not.
  const defaults = "query Defaults($a: Int = 100, $b: Int = 100) { users(first: $a) { nodes { orders(first: $b) { nodes { items { sku } } } } } }";
  expect(await send(defaults, { a: null, b: null })).toBe("200 ok");
  expect(await send(defaults, {})).toBe("400 OPERATION_LIMIT_EXCEEDED");
  // nodes(ids:) is priced by the number of ids.
  const nodes = "query N($ids: [ID!]!) { nodes(ids: $ids) { id ... on User { orders(first: 100) { nodes { id items { sku } } } } } }";
  const id = (n: number) => Buffer.from(`User:00000000-0000-7000-8000-${String(n).padStart(12, "0")}`).toString("base64url");
  expect(await send(nodes, { ids: [id(1)] })).toBe("200 ok");
  expect(await send(nodes, { ids: Array.from({ length: 100 }, (_, n) => id(n)) })).toBe("400 OPERATION_LIMIT_EXCEEDED");
});

it("answers a GET whose variables or extensions are not JSON with 400, not 500", async () => {
  for (const name of ["variables", "extensions"]) {
    const response = await fetch(`${instance.url}?query=${encodeURIComponent("{ viewer { id } }")}&${name}=%7Bbad`, { headers: { "x-graphql-csrf": "1", authorization: ADMIN_AUTHORIZATION } });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe("BAD_REQUEST");
  }
});

it("hides field suggestions in production", async () => {
    const body = await (await sendQuery("{ userz { totalCount } }")).json();
    expect(JSON.stringify(body)).not.toMatch(/Did you mean/);
    expect(JSON.stringify(body)).toContain("[Suggestion hidden]");
  });

  it.each([
    ["SQL", "Robert'); DROP TABLE users;--"],
    ["HTML", '<img src=x onerror="alert(1)">'],
    ["emoji and RTL text", "👩🏽‍💻 مرحبا ❤️"],
    ["percent and underscore", "100%_sure\\"],
  ])("stores %s literally and finds it by a literal search", async (_, name) => {
    const email = `hostile${Math.random().toString(36).slice(2)}@example.com`;
    const created = await (await sendQuery(createUser(name, email))).json();
    expect(created.data.createUser.errors).toEqual([]);
    const found = await (await sendQuery("query($s: String) { users(first: 5, filter: { search: $s }) { nodes { name } } }", { s: name })).json();
    expect(found.data.users.nodes).toEqual([{ name }]);
  });
});

describe("ill-formed text", () => {
  it("refuses a lone surrogate with VALIDATION_FAILED, and an update that changes nothing changes nothing", async () => {
    const created = (await (await sendQuery(createUser("Surrogate", "surrogate@example.com"))).json());
    const id: string = created.data.createUser.user.id;
    const update = (name: string) =>
      sendQuery(`mutation($id: ID!, $name: String!) { updateUser(input: { id: $id, name: $name }) { user { name version } errors { code field } } }`, { id, name }).then(
        (response) => response.json(),
      );
    const events = async () => (await db.orm.em.fork().execute<{ n: number }[]>("select count(*)::int as n from outbox_events where aggregate_id = ?", [Buffer.from(id, "base64url").toString().split(":")[1]]))[0]!.n;
    const before = await events();
    expect((await update("bad \ud800 name")).data.updateUser).toEqual({ user: null, errors: [{ code: "VALIDATION_FAILED", field: ["input", "name"] }] });
    expect((await update("Surrogate")).data.updateUser).toEqual({ user: { name: "Surrogate", version: 1 }, errors: [] });
    expect(await events()).toBe(before);
  });
});

describe("operation timeout", () => {
  it("stops an operation that runs too long with OPERATION_TIMEOUT", async () => {
    const quick = await startTestInstance({ databaseUrl: db.url, migrate: false, operationTimeoutMs: 200 });
    const locker = db.orm.em.fork();
    try {
      await locker.begin();
      await locker.execute("lock table users in access exclusive mode");
      const started = performance.now();
      const response = await fetch(quick.url, { method: "POST", headers: MODERN, body: JSON.stringify({ query: "{ users { totalCount } }" }) });
      const body = await response.json();
      expect(performance.now() - started).toBeLessThan(3000);
      expect(JSON.stringify(body)).toMatch(/OPERATION_TIMEOUT|INTERNAL_SERVER_ERROR/);
      expect(body.errors[0].extensions.code).toBe("OPERATION_TIMEOUT");
    } finally {
      await locker.rollback();
      await quick.close();
    }
  });
});
