/** The GraphQL-over-HTTP audits from the graphql-http package, against a running server. */
import { serverAudits } from "graphql-http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Instance } from "../../src/instance.ts";
import { startTestInstance } from "../support/instances.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

let db: TestDatabase;
let instance: Instance;

beforeAll(async () => {
  db = await createTestDatabase();
  instance = await startTestInstance({ databaseUrl: db.url, migrate: false });
});
afterAll(async () => {
  await instance?.close();
  await db?.drop();
});

describe("graphql-http server audits", () => {
  // Requests a browser could send without a preflight must carry the CSRF header; API clients
  // (like these audits) add it, as the README says.
  const fetchFn = (input: RequestInfo | URL, init?: RequestInit) => {
    const headers = new Headers(init?.headers);
    headers.set("x-graphql-csrf", "1");
    return fetch(input, { ...init, headers });
  };
  for (const audit of serverAudits({ url: () => instance.url, fetchFn })) {
    it(audit.name, async () => {
      const result = await audit.fn();
      if (result.status !== "ok") {
        const detail = "reason" in result ? result.reason : "";
        expect.soft(result.status, `${audit.name}: ${detail}`).toBe("ok");
      }
    });
  }
});
