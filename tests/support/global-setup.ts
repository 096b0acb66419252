/**
 * Once per test run: find a PostgreSQL server (TEST_DATABASE_URL, else DATABASE_URL, else an
 * embedded one), create a template database and migrate it. Each test file then clones the
 * template into its own database, which is fast and keeps files isolated.
 */
import { createServer } from "node:net";
import type { TestProject } from "vitest/node";
import pg from "pg";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "../../src/infra/embedded-postgres.ts";
import { migrateToLatest } from "../../src/infra/mikro-orm/migrate.ts";
import { createOrm } from "../../src/infra/mikro-orm/orm.ts";
import { missingSystemRequirements } from "./system-requirements.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** A URL of the server's maintenance database, for creating and dropping test databases. */
    adminDatabaseUrl: string;
    /** The migrated database each test file clones. */
    templateDatabase: string;
  }
}

export default async function setup(project: TestProject) {
  const missing = missingSystemRequirements();
  if (missing.length > 0) {
    throw new Error(`npm test needs system packages that are missing:\n${missing.map((line) => `  - ${line}`).join("\n")}\n(see the README's quick start)`);
  }
  let embedded: EmbeddedDatabase | undefined;
  let serverUrl = process.env.TEST_DATABASE_URL || process.env.DATABASE_URL;
  if (!serverUrl) {
    embedded = await startEmbeddedPostgres({ dir: ".data/test-postgres", port: await freePort(), database: "ordergraph_test" });
    serverUrl = embedded.url;
  }
  const admin = new URL(serverUrl);
  admin.pathname = "/postgres";
  const template = `ordergraph_template_${process.pid}`;
  await adminQuery(admin.toString(), `drop database if exists "${template}"`);
  await adminQuery(admin.toString(), `create database "${template}"`);
  const templateUrl = new URL(serverUrl);
  templateUrl.pathname = `/${template}`;
  const orm = await createOrm({ databaseUrl: templateUrl.toString(), poolSize: 1 });
  await migrateToLatest(orm);
  await orm.close();

  project.provide("adminDatabaseUrl", admin.toString());
  project.provide("templateDatabase", template);

  return async () => {
    await adminQuery(admin.toString(), `drop database if exists "${template}" with (force)`);
    await embedded?.stop();
  };
}

export async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
