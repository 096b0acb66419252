/**
 * Entry point. Tracing, when the OTEL_* variables ask for it, must start before anything loads
 * pg, ioredis or node:http, so that they are instrumented: the server itself (serve.ts) is
 * loaded after it.
 */
import { startTracing } from "./observability/telemetry.ts";

await startTracing(process.env);
await import("./serve.ts");
