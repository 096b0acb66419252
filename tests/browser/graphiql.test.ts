/**
 * A newcomer's first session: GraphiQL loads (from this server, no CDN), a subscription started
 * in it receives the event of a mutation made elsewhere, over the WebSocket transport.
 * Uses Debian's Chromium (`apt-get install chromium`), never a downloaded browser.
 */
import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Instance } from "../../src/instance.ts";
import { ADMIN_TOKEN } from "../support/auth.ts";
import { createUser, outboxDrained, placeOrder, startTestInstance } from "../support/instances.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { CHROMIUM_PATH } from "../support/system-requirements.ts";

const CHROMIUM = CHROMIUM_PATH;

let db: TestDatabase;
let instance: Instance;
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`The browser test needs Chromium at ${CHROMIUM}: install Debian's package (apt-get install chromium) or set CHROMIUM_PATH.`);
  }
  db = await createTestDatabase();
  // GraphiQL sends this token over HTTP and in its WebSocket connection_init, as in development.
  instance = await startTestInstance({ databaseUrl: db.url, migrate: false, graphiqlToken: ADMIN_TOKEN });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await instance?.close();
  await db?.drop();
});

it("runs a subscription in GraphiQL and shows the event a mutation caused", async () => {
  const user = await createUser(instance, "graphiql@example.com");
  await outboxDrained(instance);
  const page = await browser.newPage();
  const failedRequests: string[] = [];
  page.on("requestfailed", (request) => failedRequests.push(request.url()));
  await page.goto(instance.url, { waitUntil: "load" });

  const editor = page.locator(".graphiql-query-editor .view-lines").first();
  await editor.waitFor({ timeout: 20_000 });
  await editor.click();
  await page.keyboard.press("Control+A");
  await page.keyboard.press("Delete");
  await page.keyboard.insertText(`subscription WatchOrders { orderEvents(userId: "${user}") { type status order { total { amount } } } }`);
  // GraphiQL re-reads the operation name from the editor after a short debounce, as when typing.
  await page.waitForTimeout(500);

  // The subscription is live once GraphiQL has sent it over its WebSocket.
  const sockets: string[] = [];
  let subscribed = false;
  page.on("websocket", (ws) => {
    sockets.push(ws.url());
    ws.on("framesent", (frame) => (subscribed ||= String(frame.payload).includes('"subscribe"')));
  });
  await page.locator(".graphiql-execute-button").click();
  await expect.poll(() => subscribed, { timeout: 10_000 }).toBe(true);
  expect(sockets).toEqual([instance.websocketUrl]);
  await page.waitForTimeout(200);
  await placeOrder(instance, user);

  await expect
    .poll(async () => page.locator(".graphiql-response").innerText(), { timeout: 10_000, interval: 100 })
    .toMatch(/ORDER_PLACED[\s\S]*PENDING[\s\S]*"5\.00"/);
  expect(failedRequests.filter((url) => !url.startsWith(instance.url.replace("/graphql", "")))).toEqual([]);
  await page.close();
}, 60_000);
