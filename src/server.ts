/**
 * Entry point. Tracing, when the OTEL_* variables ask for it, must start before anything loads
 * pg, ioredis or node:http, so that they are instrumented: the server itself (serve.ts) is
 * loaded after it.
 */
import { setFlagsFromString } from "node:v8";
import { startTracing } from "./observability/telemetry.ts";

// V8 moves an allocation site's objects straight to the old generation once most of them
// survive a young collection, which a burst of large responses makes happen to per-request
// objects; dead there, they keep every young object they point to alive until the next full
// collection, and the server stays slower long after the burst (docs/decisions.md, "Allocation
// sites are not pretenured"). Read at every collection, so setting it here takes effect.
setFlagsFromString("--no-allocation-site-pretenuring");

await startTracing(process.env);
await import("./serve.ts");
