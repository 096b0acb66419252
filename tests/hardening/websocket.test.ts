/** The same protections over WebSocket as over HTTP, and a clean goodbye on shutdown. */
import { once } from "node:events";
import { afterAll, beforeAll, expect, it } from "vitest";
import WebSocket from "ws";
import type { Instance } from "../../src/instance.ts";
import { ADMIN_AUTHORIZATION } from "../support/auth.ts";
import { startTestInstance } from "../support/instances.ts";
import { subscribe } from "../support/subscriber.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

let db: TestDatabase;
let instance: Instance;

beforeAll(async () => {
  db = await createTestDatabase();
  instance = await startTestInstance({ databaseUrl: db.url, migrate: false, maxBodyBytes: 64 * 1024 });
});
afterAll(async () => {
  await instance?.close();
  await db?.drop();
});

const nested = (levels: number) => `subscription { orderEvents { order { user { ${"orders { nodes { user { ".repeat(levels)}id${" } } }".repeat(levels)} } } } }`;

it.each([
  ["too deep", nested(14)],
  ["too many aliases", `subscription { orderEvents { ${Array.from({ length: 100 }, (_, i) => `a${i}: id`).join(" ")} } }`],
  ["too costly", `query { users(first: 100) { nodes { orders(first: 100) { nodes { items { sku } } } } } }`],
  ["NUL in an argument", `subscription { orderEvents(after: "\\u0000") { id } }`],
])("refuses an operation that is %s, with a code, and keeps the socket open", async (_, query) => {
  const sub = subscribe(instance.websocketUrl, query);
  await expect(sub.waitFor(1, 3000)).rejects.toThrow(/OPERATION_LIMIT_EXCEEDED|BAD_USER_INPUT/);
  await sub.close();
});

it("refuses variables nested 20,000 levels deep with BAD_USER_INPUT and keeps the socket usable", async () => {
  const socket = new WebSocket(instance.websocketUrl, "graphql-transport-ws");
  await once(socket, "open");
  const messages: { id?: string; type: string; payload?: unknown }[] = [];
  socket.on("message", (data: Buffer) => messages.push(JSON.parse(data.toString("utf8")) as (typeof messages)[number]));
  socket.send(JSON.stringify({ type: "connection_init", payload: { authorization: ADMIN_AUTHORIZATION } }));
  const until = async (predicate: () => boolean) => {
    for (let waited = 0; !predicate(); waited += 20) {
      if (waited > 3000) throw new Error(`no such message: ${JSON.stringify(messages)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  await until(() => messages.some((message) => message.type === "connection_ack"));
  const deep = `${"[".repeat(20_000)}${"]".repeat(20_000)}`;
  socket.send(`{"id":"1","type":"subscribe","payload":{"query":"query($x: Int) { __typename }","variables":{"x":${deep}}}}`);
  await until(() => messages.some((message) => message.id === "1"));
  expect(JSON.stringify(messages.find((message) => message.id === "1"))).toMatch(/"type":"error".*BAD_USER_INPUT/);
  socket.send(JSON.stringify({ id: "2", type: "subscribe", payload: { query: "{ __typename }" } }));
  await until(() => messages.some((message) => message.id === "2" && message.type === "next"));
  expect(socket.readyState).toBe(WebSocket.OPEN);
  socket.close();
});

it("closes a socket that sends a message over the size limit with 1009", async () => {
  const socket = new WebSocket(instance.websocketUrl, "graphql-transport-ws");
  await once(socket, "open");
  socket.send(JSON.stringify({ type: "connection_init", payload: { padding: "x".repeat(100 * 1024) } }));
  const [code] = (await once(socket, "close")) as [number];
  expect(code).toBe(1009);
});

it("on shutdown answers readiness with 503 while draining, still serves, then closes WebSocket clients with 1001", async () => {
  const draining = await startTestInstance({ databaseUrl: db.url, migrate: false, drainDelayMs: 400 });
  const socket = new WebSocket(draining.websocketUrl, "graphql-transport-ws");
  await once(socket, "open");
  socket.send(JSON.stringify({ type: "connection_init", payload: { authorization: ADMIN_AUTHORIZATION } }));
  await once(socket, "message");
  const closedWith = once(socket, "close");

  const closing = draining.close();
  const ready = await fetch(draining.url.replace("/graphql", "/health/ready"));
  expect(ready.status).toBe(503);
  expect((await ready.json()).checks.lifecycle).toBe("shutting down");
  const query = await fetch(draining.url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: "{ users { totalCount } }" }) });
  expect(query.status).toBe(200);
  await closing;
  const [code] = (await closedWith) as [number];
  expect(code).toBe(1001);
});
