/**
 * Trusted documents (persisted operations): a manifest in graphql-codegen's format, requests
 * naming a document by `documentId` or Apollo's `persistedQuery`, over HTTP and WebSocket, the
 * "only trusted documents" mode, and the errors for an unknown id and a refused ad hoc document.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Instance } from "../../src/instance.ts";
import { resolveOptions } from "../../src/options.ts";
import { schema } from "../../src/schema/index.ts";
import { loadTrustedDocuments, TrustedDocumentsError } from "../../src/transport/trusted-documents.ts";
import { ADMIN_AUTHORIZATION } from "../support/auth.ts";
import { CREATE_USER, PLACE_ORDER, startTestInstance } from "../support/instances.ts";
import { subscribe } from "../support/subscriber.ts";
import { createTestApp, type TestApp } from "../support/test-app.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { priced } from "../support/test-app.ts";

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

const USER_BY_ID = "query UserById($id: ID!) { user(id: $id) { id email } }";
const PAGES = "query Pages($n: Int) { users(first: $n) { nodes { orders(first: $n) { nodes { items { sku } } } } } }";
const VIEWER = "query Me { viewer { id } }";
const ORDER_IDS = "subscription OrderIds { orderEvents { id } }";
const ORDER_TYPES = "subscription OrderTypes { orderEvents { type } }";
const DOCUMENTS = [USER_BY_ID, PAGES, VIEWER, ORDER_IDS, ORDER_TYPES, CREATE_USER, PLACE_ORDER];

let dir: string;
let manifest: string;
let db: TestDatabase;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "trusted-"));
  manifest = join(dir, "persisted-documents.json");
  writeFileSync(manifest, JSON.stringify(Object.fromEntries(DOCUMENTS.map((document) => [sha256(document), document]))));
  db = await createTestDatabase();
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await db?.drop();
});

type Body = { data?: any; errors?: { message: string; extensions: Record<string, unknown> }[] };

/** POSTs any body (documentId, extensions, query) as an administrator unless told otherwise. */
async function send(api: TestApp, body: Record<string, unknown>, authorization = ADMIN_AUTHORIZATION): Promise<{ status: number; body: Body }> {
  const response = await api.app.yoga.fetch("http://localhost/graphql", {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/graphql-response+json", ...(authorization ? { authorization } : {}) },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Body };
}

describe("over HTTP, with ad hoc documents still allowed", () => {
  let api: TestApp;
  let userId: string;
  beforeAll(async () => {
    api = createTestApp(db, { options: { trustedDocuments: { file: manifest, only: false } } });
    userId = (await api.graphql(`mutation { createUser(input: { email: "trusted@example.com", name: "T" }) { user { id } } }`)).data!.createUser.user.id;
  });

  it("runs a document named by documentId (with or without sha256:) or by Apollo's persistedQuery, as its text would", async () => {
    const adHoc = await send(api, { query: USER_BY_ID, variables: { id: userId } });
    expect(adHoc.body.data).toEqual({ user: { id: userId, email: "trusted@example.com" } });
    for (const body of [
      { documentId: `sha256:${sha256(USER_BY_ID)}`, variables: { id: userId } },
      { documentId: sha256(USER_BY_ID), variables: { id: userId } },
      { extensions: { persistedQuery: { version: 1, sha256Hash: sha256(USER_BY_ID) } }, variables: { id: userId } },
    ]) {
      expect(await send(api, body)).toEqual({ status: 200, body: adHoc.body });
    }
  });

  it("cannot be poisoned through yoga's parse cache by text shaped like a placeholder", async () => {
    for (const id of [`sha256:${sha256(USER_BY_ID)}`, sha256(USER_BY_ID)]) await send(api, { query: `__PERSISTED_OPERATION_${id}__` }, "");
    expect((await send(api, { documentId: `sha256:${sha256(USER_BY_ID)}`, variables: { id: userId } })).body.data).toEqual({ user: { id: userId, email: "trusted@example.com" } });
    expect((await send(api, { extensions: { persistedQuery: { version: 1, sha256Hash: sha256(USER_BY_ID) } }, variables: { id: userId } })).body.errors).toBeUndefined();
  });

  it("takes documentId from a GET's URL too", async () => {
    const url = `http://localhost/graphql?documentId=sha256:${sha256(VIEWER)}`;
    const response = await api.app.yoga.fetch(url, { headers: { "x-graphql-csrf": "1", accept: "application/graphql-response+json" } });
    expect(await response.json()).toEqual(priced({ data: { viewer: null } }));
  });

  it("answers an unknown id with PERSISTED_QUERY_NOT_FOUND, as Apollo clients expect", async () => {
    for (const body of [{ documentId: `sha256:${sha256("query { nope }")}` }, { extensions: { persistedQuery: { version: 1, sha256Hash: "0".repeat(64) } } }]) {
      const { body: answer } = await send(api, body);
      expect(answer.errors?.map((error) => [error.message, error.extensions.code])).toEqual([["PersistedQueryNotFound", "PERSISTED_QUERY_NOT_FOUND"]]);
    }
  });

  it("keeps every rule for trusted documents: the anonymous gate, and the cost limit with the request's variables", async () => {
    const anonymous = await send(api, { documentId: sha256(USER_BY_ID), variables: { id: userId } }, "");
    expect(anonymous.body.errors?.[0]?.extensions.code).toBe("UNAUTHENTICATED");
    expect((await send(api, { documentId: sha256(VIEWER) }, "")).body).toEqual(priced({ data: { viewer: null } }));
    expect((await send(api, { documentId: sha256(PAGES), variables: { n: 5 } })).body.errors).toBeUndefined();
    const bomb = await send(api, { documentId: sha256(PAGES), variables: { n: 100 } });
    expect(bomb.body.errors?.[0]?.extensions.code).toBe("OPERATION_LIMIT_EXCEEDED");
    // A refusal for one set of values does not stick to the document.
    expect((await send(api, { documentId: sha256(PAGES), variables: { n: 5 } })).body.errors).toBeUndefined();
  });
});

describe("over HTTP, with only trusted documents", () => {
  let api: TestApp;
  beforeAll(() => {
    api = createTestApp(db, { options: { trustedDocuments: { file: manifest, only: true } } });
  });

  it("refuses a document sent as text, even with its hash (Apollo's retry), with TRUSTED_DOCUMENTS_ONLY and 400", async () => {
    for (const body of [{ query: VIEWER }, { query: VIEWER, extensions: { persistedQuery: { version: 1, sha256Hash: sha256(VIEWER) } } }]) {
      const { status, body: answer } = await send(api, body);
      expect(status).toBe(400);
      expect(answer.errors?.map((error) => error.extensions.code)).toEqual(["TRUSTED_DOCUMENTS_ONLY"]);
    }
    expect((await send(api, { documentId: sha256(VIEWER) })).body.data).toEqual({ viewer: null });
  });

  it("is the production default when a manifest is given, and without one nothing is refused", () => {
    expect(resolveOptions({ trustedDocuments: { only: true } }).trustedDocuments).toEqual({ file: undefined, only: true });
  });
});

describe("without a manifest", () => {
  it("answers a request naming a document with PERSISTED_QUERY_NOT_FOUND, so persisted-query clients send the text instead", async () => {
    const api = createTestApp(db);
    const { body } = await send(api, { extensions: { persistedQuery: { version: 1, sha256Hash: sha256(VIEWER) } } });
    expect(body.errors?.[0]?.extensions.code).toBe("PERSISTED_QUERY_NOT_FOUND");
    expect((await send(api, { query: VIEWER, extensions: { persistedQuery: { version: 1, sha256Hash: sha256(VIEWER) } } })).body.data).toEqual({ viewer: null });
  });
});

describe("the manifest is checked at startup", () => {
  it("names every document this schema cannot run, and an id that is not the document's hash", () => {
    const bad = join(dir, "bad.json");
    writeFileSync(bad, JSON.stringify({ [sha256("{ nope }")]: "{ nope }", [sha256(VIEWER)]: VIEWER, ["0".repeat(64)]: VIEWER, "my-id": "query {" }));
    expect(() => loadTrustedDocuments(bad, schema, { only: false })).toThrow(TrustedDocumentsError);
    try {
      loadTrustedDocuments(bad, schema, { only: false });
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toContain(`${sha256("{ nope }")}: Cannot query field "nope"`);
      expect(message).toContain(`${"0".repeat(64)}: the id is not the sha256 of the document`);
      expect(message).toContain("my-id: Syntax Error");
      expect(message).not.toContain(`${sha256(VIEWER)}:`);
    }
    writeFileSync(bad, "[]");
    expect(() => loadTrustedDocuments(bad, schema, { only: false })).toThrow(/must be a JSON object/);
    writeFileSync(bad, "{}");
    expect(() => loadTrustedDocuments(bad, schema, { only: true })).toThrow(/holds no documents/);
    writeFileSync(bad, JSON.stringify({ [sha256(VIEWER).toUpperCase()]: USER_BY_ID, "a:b": VIEWER }));
    expect(() => loadTrustedDocuments(bad, schema, { only: false })).toThrow(/the id is not the sha256[\s\S]*a:b: an id is/);
  });

  it("compares ids without case or a sha256: prefix, in the manifest and in requests", () => {
    const keyed = join(dir, "prefixed.json");
    writeFileSync(keyed, JSON.stringify({ [`sha256:${sha256(VIEWER).toUpperCase()}`]: VIEWER }));
    const documents = loadTrustedDocuments(keyed, schema, { only: false });
    for (const id of [sha256(VIEWER), `sha256:${sha256(VIEWER)}`, `SHA256:${sha256(VIEWER).toUpperCase()}`]) expect(documents.get(id)).toBe(VIEWER);
  });
});

describe("over WebSocket", () => {
  let instance: Instance;
  beforeAll(async () => {
    instance = await startTestInstance({ databaseUrl: db.url, migrate: false, trustedDocuments: { file: manifest, only: true } });
  });
  afterAll(async () => {
    await instance?.close();
  });

  it("subscribes by id; two trusted documents never share a group; an unknown id and ad hoc text are refused", async () => {
    const ids = subscribe(instance.websocketUrl, { documentId: `sha256:${sha256(ORDER_IDS)}` });
    const types = subscribe(instance.websocketUrl, { extensions: { persistedQuery: { version: 1, sha256Hash: sha256(ORDER_TYPES) } } });
    const unknown = subscribe(instance.websocketUrl, { documentId: sha256("subscription { userEvents { id } }") });
    const adHoc = subscribe(instance.websocketUrl, ORDER_IDS);
    try {
      await Promise.all([ids.started, types.started]);
      const byId = async (document: string, variables: Record<string, unknown>) => {
        const response = await fetch(instance.url, { method: "POST", headers: { "content-type": "application/json", authorization: ADMIN_AUTHORIZATION }, body: JSON.stringify({ documentId: `sha256:${sha256(document)}`, variables }) });
        return ((await response.json()) as Body).data;
      };
      const userId = (await byId(CREATE_USER, { email: "ws-trusted@example.com" })).createUser.user.id;
      expect((await byId(PLACE_ORDER, { userId })).placeOrder.errors).toEqual([]);
      const [first] = await ids.waitFor(1);
      const [second] = await types.waitFor(1);
      expect(Object.keys(first!.orderEvents)).toEqual(["id"]);
      expect(second!.orderEvents).toEqual({ type: "ORDER_PLACED" });
      await expect(unknown.waitFor(1, 3000)).rejects.toThrow(/PERSISTED_QUERY_NOT_FOUND/);
      await expect(adHoc.waitFor(1, 3000)).rejects.toThrow(/TRUSTED_DOCUMENTS_ONLY/);
      // What is for HTTP responses stays out of WebSocket messages.
      expect(JSON.stringify(adHoc.errors)).not.toContain('"http"');
    } finally {
      await Promise.all([ids, types, unknown, adHoc].map((subscriber) => subscriber.close()));
    }
  });
});
