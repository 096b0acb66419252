/**
 * Slow or idle clients cannot hold connections for minutes: request and header timeouts end a
 * trickling request with 408, and a connection cap refuses connections past it.
 */
import { connect, type Socket } from "node:net";
import { once } from "node:events";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Instance } from "../../src/instance.ts";
import { startTestInstance } from "../support/instances.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

let db: TestDatabase;
let instance: Instance;
const MAX_CONNECTIONS = 20;

beforeAll(async () => {
  db = await createTestDatabase();
  instance = await startTestInstance({
    databaseUrl: db.url,
    migrate: false,
    http: { requestTimeoutMs: 1500, headersTimeoutMs: 1000, maxConnections: MAX_CONNECTIONS },
  });
});
afterAll(async () => {
  await instance?.close();
  await db?.drop();
});

async function open(): Promise<{ socket: Socket; received: () => string; closed: Promise<number> }> {
  const { hostname, port: target } = new URL(instance.url);
  const socket = connect(Number(target), hostname);
  let data = "";
  socket.on("data", (chunk) => (data += chunk.toString("latin1")));
  socket.on("error", () => {});
  const started = Date.now();
  const closed = once(socket, "close").then(() => Date.now() - started);
  await once(socket, "connect");
  return { socket, received: () => data, closed };
}

it("answers 408 and closes a connection whose headers trickle in", async () => {
  const { socket, received, closed } = await open();
  socket.write("POST /graphql HTTP/1.1\r\nHost: localhost\r\n");
  const trickle = setInterval(() => socket.writable && socket.write("X"), 200);
  const ms = await closed;
  clearInterval(trickle);
  expect(ms).toBeLessThan(4000);
  expect(received()).toMatch(/^HTTP\/1\.1 408/);
});

it("answers 408 and closes a connection whose body never arrives in full", async () => {
  const { socket, received, closed } = await open();
  socket.write('POST /graphql HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"query":');
  const ms = await closed;
  expect(ms).toBeLessThan(4500);
  expect(received()).toMatch(/^HTTP\/1\.1 408/);
});

it("refuses connections past the cap and serves again once they close", async () => {
  const held = await Promise.all(Array.from({ length: MAX_CONNECTIONS }, () => open()));
  const extra = await open();
  expect(await extra.closed).toBeLessThan(1000);
  expect(extra.received()).toBe("");
  for (const { socket } of held) socket.destroy();
  await Promise.all(held.map(({ closed }) => closed));
  await expect
    .poll(async () => (await fetch(instance.url.replace("/graphql", "/health/live")).catch(() => ({ status: 0 }))).status)
    .toBe(200);
});
