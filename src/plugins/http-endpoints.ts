/**
 * Endpoints beside GraphQL, served by the same handler so tests reach them through `yoga.fetch`:
 * GET /health/live (the process answers), GET /health/ready (the instance can serve: database,
 * Redis when configured, migrations, not shutting down; 503 with the failing checks otherwise),
 * GET /metrics (Prometheus text). While the instance is not ready, GraphQL requests get 503
 * with a clear error instead of failing on a missing database.
 */
import type { Plugin } from "graphql-yoga";
import type { Registry } from "prom-client";
import { apiErrorBody, ErrorCode } from "../error-codes.ts";

export interface ReadinessReport {
  readonly ready: boolean;
  /** Each check: "ok", or why it fails. */
  readonly checks: Readonly<Record<string, string>>;
}

export interface HttpEndpointsOptions {
  readonly readiness: () => Promise<ReadinessReport>;
  readonly registry: Registry;
  /** Null while operations can be served; otherwise why not. */
  readonly unavailable: () => string | null;
  readonly graphqlPath: string;
}

const JSON_HEADERS = { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" };
const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: JSON_HEADERS });

export function useHttpEndpoints({ readiness, registry, unavailable, graphqlPath }: HttpEndpointsOptions): Plugin {
  return {
    async onRequest(payload) {
      const { url, request } = payload;
      const endResponse = (response: Response) => payload.endResponse(response);
      switch (url.pathname) {
        case "/health/live":
          return endResponse(json(200, { status: "ok" }));
        case "/health/ready": {
          const report = await readiness();
          return endResponse(json(report.ready ? 200 : 503, { status: report.ready ? "ready" : "not ready", ...report }));
        }
        case "/metrics":
          return endResponse(new Response(await registry.metrics(), { headers: { "content-type": registry.contentType } }));
        case graphqlPath: {
          const reason = unavailable();
          if (reason && request.method !== "GET") {
            return endResponse(new Response(apiErrorBody(ErrorCode.SERVICE_UNAVAILABLE, reason), { status: 503, headers: JSON_HEADERS }));
          }
        }
      }
    },
  };
}
