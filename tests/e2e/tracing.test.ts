/**
 * OpenTelemetry, end to end: the server runs as `npm start` does, configured only by OTEL_*
 * variables, exporting OTLP/HTTP (JSON) to a receiver this test runs. A mutation sent with a
 * known `traceparent` yields, in that trace, the HTTP request's span, the operation's, its SQL
 * statements and its Redis command; the event it causes is delivered to a subscriber in a span
 * linked back to that trace.
 */
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import { tracingRequested } from "../../src/observability/telemetry.ts";
import { ADMIN_AUTHORIZATION } from "../support/auth.ts";
import { PLACE_ORDER } from "../support/instances.ts";
import { redisForTests } from "../support/redis.ts";
import { startServerProcess, type ServerProcess } from "../support/server-process.ts";
import { subscribe } from "../support/subscriber.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";

interface ExportedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes?: { key: string; value: { stringValue?: string } }[];
  links?: { traceId: string; spanId: string }[];
}

const spans: ExportedSpan[] = [];
let receiver: Server;
let db: TestDatabase;
let redis: { url: string; stop(): Promise<void> };
let server: ServerProcess;
let url: string;

beforeAll(async () => {
  receiver = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    request.on("end", () => {
      if (request.url === "/v1/traces") {
        const payload = JSON.parse(body) as { resourceSpans: { scopeSpans: { spans: ExportedSpan[] }[] }[] };
        for (const resource of payload.resourceSpans) for (const scope of resource.scopeSpans) spans.push(...scope.spans);
      }
      response.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  db = await createTestDatabase();
  redis = await redisForTests();
  server = startServerProcess({
    DATABASE_URL: db.url,
    MIGRATE_ON_START: "false",
    REDIS_URL: redis.url,
    REDIS_CHANNEL_PREFIX: `tracing-${randomBytes(4).toString("hex")}`,
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`,
    OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
    OTEL_BSP_SCHEDULE_DELAY: "100",
    OTEL_SERVICE_NAME: "ordergraph-test",
  });
  url = await server.ready;
}, 60_000);
afterAll(async () => {
  server?.child.kill("SIGTERM");
  await server?.exited;
  await redis?.stop();
  await db?.drop();
  await new Promise((resolve) => receiver?.close(resolve));
});

const attribute = (span: ExportedSpan, key: string) => span.attributes?.find((entry) => entry.key === key)?.value.stringValue;

it("is off unless the OTEL_* variables name a trace exporter", () => {
  expect(tracingRequested({})).toBe(false);
  expect(tracingRequested({ OTEL_SERVICE_NAME: "x" })).toBe(false);
  expect(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" })).toBe(true);
  expect(tracingRequested({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://collector:4318/v1/traces" })).toBe(true);
  expect(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318", OTEL_TRACES_EXPORTER: "none" })).toBe(false);
  expect(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318", OTEL_SDK_DISABLED: "true" })).toBe(false);
});

it("traces a request with a known trace id through its operation, SQL and Redis, into the event's delivery", async () => {
  const post = async (query: string, variables: Record<string, unknown>, headers: Record<string, string> = {}) => {
    const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json", authorization: ADMIN_AUTHORIZATION, ...headers }, body: JSON.stringify({ query, variables }) });
    return (await response.json()) as { data: any; errors?: unknown[] };
  };
  const created = await post(`mutation { createUser(input: { email: "traced@example.com", name: "Traced" }) { user { id } } }`, {});
  const userId = created.data.createUser.user.id as string;
  const subscriber = subscribe<{ orderEvents: { type: string } }>(url.replace("http", "ws"), `subscription($userId: ID) { orderEvents(userId: $userId) { type order { id } } }`, { userId });
  await subscriber.started;
  await new Promise((resolve) => setTimeout(resolve, 200));

  const traceId = randomBytes(16).toString("hex");
  const callerSpanId = randomBytes(8).toString("hex");
  const placed = await post(PLACE_ORDER, { userId }, { traceparent: `00-${traceId}-${callerSpanId}-01` });
  expect(placed.errors).toBeUndefined();
  expect((await subscriber.waitFor(1, 10_000))[0]!.orderEvents.type).toBe("ORDER_PLACED");
  await subscriber.close();

  await expect.poll(() => spans.some((span) => span.links?.some((link) => link.traceId === traceId)), { timeout: 15_000, interval: 100 }).toBe(true);
  const inTrace = spans.filter((span) => span.traceId === traceId);
  const byId = new Map(inTrace.map((span) => [span.spanId, span]));
  // The HTTP request continues the caller's trace; the operation is its child.
  const request = inTrace.find((span) => span.parentSpanId === callerSpanId);
  expect(request?.kind).toBe(2); // SERVER
  const operation = inTrace.find((span) => span.name === "mutation");
  expect(operation?.parentSpanId).toBe(request!.spanId);
  expect(attribute(operation!, "graphql.operation.type")).toBe("mutation");
  // Its statements (the unit of work: begin, inserts, commit) and the rate limit's Redis command descend from it.
  const descendsFromOperation = (span: ExportedSpan) => {
    for (let current: ExportedSpan | undefined = span; current; current = byId.get(current.parentSpanId ?? "")) if (current.parentSpanId === operation!.spanId) return true;
    return false;
  };
  const sql = inTrace.filter((span) => (attribute(span, "db.system.name") ?? attribute(span, "db.system")) === "postgresql");
  expect(sql.length).toBeGreaterThanOrEqual(3);
  expect(sql.every(descendsFromOperation)).toBe(true);
  expect(sql.map((span) => attribute(span, "db.query.text") ?? attribute(span, "db.statement")).join("\n")).toMatch(/insert into "?outbox_events"?/i);
  const redisCommands = inTrace.filter((span) => (attribute(span, "db.system.name") ?? attribute(span, "db.system")) === "redis");
  expect(redisCommands.length).toBeGreaterThanOrEqual(1);
  expect(redisCommands.every(descendsFromOperation)).toBe(true);
  // The delivery runs in the subscriber's trace, linked to the mutation's operation.
  const delivery = spans.find((span) => span.links?.some((link) => link.traceId === traceId));
  expect(delivery!.name).toBe("subscription event");
  expect(delivery!.traceId).not.toBe(traceId);
  expect(delivery!.links![0]!.spanId).toBe(operation!.spanId);
}, 60_000);
