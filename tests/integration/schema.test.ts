/** The committed schema.graphql is what the code serves, and it honours the shared API contract. */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { buildSchema, findBreakingChanges, printSchema } from "graphql";
import { expect, it } from "vitest";
import { schema } from "../../src/schema/index.ts";

const root = new URL("../../", import.meta.url);

it("schema.graphql is up to date with the code (run `npm run codegen` when this fails)", () => {
  expect(readFileSync(new URL("schema.graphql", root), "utf8")).toBe(`${printSchema(schema)}\n`);
});

const contract = new URL("../shared/contract/api.graphql", root);

it.runIf(existsSync(contract))("is a compatible superset of the shared API contract", () => {
  const changes = findBreakingChanges(buildSchema(readFileSync(contract, "utf8")), schema);
  expect(changes.map((change) => change.description)).toEqual([]);
  const output = execFileSync(process.execPath, [new URL("../shared/contract/check.mjs", root).pathname, "schema.graphql"], { cwd: root, encoding: "utf8" });
  expect(output).toContain("contract: compatible");
});
