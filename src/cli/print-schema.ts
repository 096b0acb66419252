/**
 * Writes the printed schemas (sorted, so diffs are meaningful): schema.graphql, the API, and
 * schema.federation.graphql, the same API as a federation subgraph's SDL (what `_service { sdl }`
 * answers with FEDERATION=true), for composing a supergraph without asking a running instance.
 * With --check, fails instead when either file differs from the code: the drift check.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { printSchema } from "graphql";
import { schema, subgraphSchema } from "../schema/index.ts";

const files = [
  { name: "schema.graphql", printed: `${printSchema(schema)}\n` },
  { name: "schema.federation.graphql", printed: `${subgraphSchema().sdl}\n` },
];

const check = process.argv.includes("--check");
let stale = false;
for (const { name, printed } of files) {
  const path = new URL(`../../${name}`, import.meta.url);
  if (!check) {
    writeFileSync(path, printed);
    console.log(`wrote ${name}`);
    continue;
  }
  let committed = "";
  try {
    committed = readFileSync(path, "utf8");
  } catch {
    // missing: reported as stale below
  }
  if (committed === printed) {
    console.log(`${name} is up to date`);
  } else {
    console.error(`${name} is stale: run \`npm run codegen\` and commit the result.`);
    stale = true;
  }
}
if (stale) process.exit(1);
