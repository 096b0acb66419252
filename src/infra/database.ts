import type { Config } from "../config.ts";
import { startEmbeddedPostgres } from "./embedded-postgres.ts";

export interface Database {
  readonly url: string;
  /** For the log: where the data lives, without credentials. */
  readonly description: string;
  /** Leaves the embedded server: stops it unless another process still uses it. */
  stop(): Promise<void>;
}

/** `DATABASE_URL` when set; otherwise the embedded PostgreSQL of `EMBEDDED_POSTGRES_DIR` (shared; see embedded-postgres.ts). */
export async function openDatabase(config: Pick<Config, "databaseUrl" | "embeddedPostgres">): Promise<Database> {
  if (config.databaseUrl) {
    return { url: config.databaseUrl, description: redact(config.databaseUrl), stop: async () => {} };
  }
  const embedded = await startEmbeddedPostgres({ ...config.embeddedPostgres, database: "ordergraph" });
  return {
    url: embedded.url,
    description: `embedded PostgreSQL (${redact(embedded.url)}, data in ${embedded.dataDir})`,
    stop: () => embedded.stop(),
  };
}

const redact = (url: string): string => {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(unparseable URL)";
  }
};
