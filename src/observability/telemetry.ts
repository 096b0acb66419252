/**
 * OpenTelemetry tracing, configured only by the standard OTEL_* variables and off unless they
 * name a trace exporter (OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, or
 * OTEL_TRACES_EXPORTER other than `none`). The OpenTelemetry Node SDK does the rest: OTLP
 * export (http/protobuf by default; OTEL_EXPORTER_OTLP_PROTOCOL), sampling, resource, batching.
 *
 * Spans: the HTTP request (node:http, minus /health and /metrics), each GraphQL operation
 * (plugins/tracing.ts, over HTTP and WebSocket), each PostgreSQL statement and Redis command
 * made inside one (the pg and ioredis instrumentations; background polling is not traced), and
 * each subscription event delivered, linked to the operation that caused it. Prometheus metrics
 * stay as they are: the SDK's metrics and logs exporters are off unless configured.
 *
 * This module loads nothing instrumented: the SDK and instrumentations are imported only when
 * tracing is on, before the server's modules (server.ts).
 */
import { register } from "node:module";
import { isSpanContextValid, trace } from "@opentelemetry/api";

let shutdown: (() => Promise<void>) | undefined;

/** Whether the OTEL_* variables ask for traces to be exported. */
export function tracingRequested(env: NodeJS.ProcessEnv): boolean {
  if (env.OTEL_SDK_DISABLED === "true") return false;
  if (env.OTEL_TRACES_EXPORTER !== undefined) return env.OTEL_TRACES_EXPORTER.split(",").some((name) => !["", "none"].includes(name.trim()));
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

/** Whether tracing was started in this process. */
export const tracingEnabled = (): boolean => shutdown !== undefined;

/** Starts tracing when the OTEL_* variables ask for it; call before loading anything it instruments. */
export async function startTracing(env: NodeJS.ProcessEnv): Promise<void> {
  if (shutdown || !tracingRequested(env)) return;
  // ES modules are instrumented through import-in-the-middle's loader hook.
  register("@opentelemetry/instrumentation/hook.mjs", import.meta.url);
  // Traces only, unless metrics or logs exporters are asked for explicitly: /metrics stays Prometheus.
  env.OTEL_METRICS_EXPORTER ??= "none";
  env.OTEL_LOGS_EXPORTER ??= "none";
  const [{ NodeSDK }, { HttpInstrumentation }, { PgInstrumentation }, { IORedisInstrumentation }] = await Promise.all([
    import("@opentelemetry/sdk-node"),
    import("@opentelemetry/instrumentation-http"),
    import("@opentelemetry/instrumentation-pg"),
    import("@opentelemetry/instrumentation-ioredis"),
  ]);
  const sdk = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME ?? "ordergraph",
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request) => /^\/(health|metrics)(\/|$|\?)/.test(request.url ?? ""),
        // The server calls nothing over HTTP but the OTLP exporter, which must not trace itself.
        disableOutgoingRequestInstrumentation: true,
      }),
      // Only statements and commands of a traced operation: the outbox relay and the monitors
      // poll all the time and would bury them.
      new PgInstrumentation({ requireParentSpan: true, enhancedDatabaseReporting: false }),
      new IORedisInstrumentation({ requireParentSpan: true }),
    ],
  });
  sdk.start();
  shutdown = () => sdk.shutdown();
}

/** Exports what is buffered and stops tracing (at the end of a graceful shutdown). */
export async function stopTracing(): Promise<void> {
  await shutdown?.();
}

/** The W3C traceparent of the span running now, if tracing is on and one is. */
export function activeTraceparent(): string | undefined {
  const span = trace.getActiveSpan();
  if (!span) return undefined;
  const { traceId, spanId, traceFlags } = span.spanContext();
  if (!isSpanContextValid(span.spanContext())) return undefined;
  return `00-${traceId}-${spanId}-${traceFlags.toString(16).padStart(2, "0")}`;
}
