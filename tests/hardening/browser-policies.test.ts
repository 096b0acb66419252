/** CORS, GraphiQL and introspection as deployments configure them. */
import { createClient } from "graphql-ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { Instance } from "../../src/instance.ts";
import { ADMIN_AUTHORIZATION } from "../support/auth.ts";
import { startTestInstance } from "../support/instances.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { priced } from "../support/test-app.ts";

let db: TestDatabase;
const instances: Instance[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await Promise.all(instances.map((instance) => instance.close()));
  await db?.drop();
});

const start = async (options: Parameters<typeof startTestInstance>[0]) => {
  const instance = await startTestInstance(options);
  instances.push(instance);
  return instance;
};

const preflight = (url: string, origin: string) =>
  fetch(url, { method: "OPTIONS", headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "content-type" } });

describe("CORS", () => {
  it("allows only the configured origins", async () => {
    const instance = await start({ databaseUrl: db.url, migrate: false, corsOrigins: ["https://app.example.com"] });
    const allowed = await preflight(instance.url, "https://app.example.com");
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
    const denied = await preflight(instance.url, "https://evil.example.net");
    expect(denied.headers.get("access-control-allow-origin")).not.toBe("https://evil.example.net");
  });

  it("sends no CORS headers when closed (the production default)", async () => {
    const instance = await start({ databaseUrl: db.url, migrate: false, corsOrigins: false });
    const response = await preflight(instance.url, "https://app.example.com");
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
  });
});

it("never lets another origin read the GraphiQL page, which may carry a development token", async () => {
  const instance = await start({ databaseUrl: db.url, migrate: false, corsOrigins: "*", graphiql: true, graphiqlToken: "a-development-token" });
  const page = await fetch(instance.url, { headers: { accept: "text/html", origin: "https://evil.example.net" } });
  expect(await page.text()).toContain("a-development-token");
  expect(page.headers.get("access-control-allow-origin")).toBeNull();
});

describe("GraphiQL and introspection", () => {
  it("serves neither when turned off, as in production by default", async () => {
    const instance = await start({ databaseUrl: db.url, migrate: false, graphiql: false, introspection: false });
    const page = await fetch(instance.url, { headers: { accept: "text/html" } });
    expect(await page.text()).not.toMatch(/graphiql/i);
    const introspection = await fetch(instance.url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: "{ __type(name: \"User\") { name } }" }) });
    expect(JSON.stringify(await introspection.json())).toMatch(/introspection has been disabled/);
    expect(JSON.stringify(await overWebSocket(instance, "{ __type(name: \"User\") { name } }"))).toMatch(/introspection has been disabled/);
  });

  it("serves both when turned on, as in development", async () => {
    const instance = await start({ databaseUrl: db.url, migrate: false, graphiql: true, introspection: true });
    const page = await fetch(instance.url, { headers: { accept: "text/html" } });
    expect(await page.text()).toMatch(/graphiql/i);
    const introspection = await fetch(instance.url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: "{ __type(name: \"User\") { name } }" }) });
    expect(await introspection.json()).toEqual(priced({ data: { __type: { name: "User" } } }));
    expect(await overWebSocket(instance, "{ __type(name: \"User\") { name } }")).toEqual(priced({ data: { __type: { name: "User" } } }));
  });
});

/** A query's result over graphql-ws (as an administrator), or the errors it was refused with. */
async function overWebSocket(instance: Instance, query: string): Promise<unknown> {
  const client = createClient({ url: instance.websocketUrl, webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: { authorization: ADMIN_AUTHORIZATION } });
  try {
    for await (const result of client.iterate({ query })) return result;
    throw new Error("no result");
  } catch (errors) {
    return errors;
  } finally {
    await client.dispose();
  }
}
