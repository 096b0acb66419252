/** What the standalone benchmark scripts (overload.ts, realtime.ts) share. */
import { createServer } from "node:net";
import { issueToken } from "../src/infra/auth/token-issuer.ts";

export const root = new URL("../", import.meta.url).pathname;
export const BENCH_SECRET = "benchmark-secret-of-at-least-32-bytes-000";
/** The benchmarks call the server as an administrator. */
export const ADMIN = `Bearer ${await issueToken(BENCH_SECRET, { sub: "00000000-0000-7000-8000-000000000000", roles: ["admin"], ttlSeconds: 3600 })}`;

export const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });

/** The value at quantile `q` (0–1) of `values`; NaN when empty. */
export const quantile = (values: readonly number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : NaN;
};
