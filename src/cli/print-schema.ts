/**
 * Writes the printed schema to schema.graphql (sorted, so diffs are meaningful).
 * With --check, fails instead when schema.graphql differs from the code: the drift check.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { printSchema } from "graphql";
import { schema } from "../schema/index.ts";

const path = new URL("../../schema.graphql", import.meta.url);
const printed = `${printSchema(schema)}\n`;

if (process.argv.includes("--check")) {
  let committed = "";
  try {
    committed = readFileSync(path, "utf8");
  } catch {
    // missing: reported as stale below
  }
  if (committed !== printed) {
    console.error("schema.graphql is stale: run `npm run codegen` and commit the result.");
    process.exit(1);
  }
  console.log("schema.graphql is up to date");
} else {
  writeFileSync(path, printed);
  console.log("wrote schema.graphql");
}
