/** Node ids are made synchronously (schema/index.ts): no promise per object in a response. */
import type { GraphQLInterfaceType, GraphQLResolveInfo, GraphQLSchema } from "graphql";
import { expect, it } from "vitest";
import { decodeGlobalId } from "../../src/schema/global-id.ts";
import { schema, subgraphSchema } from "../../src/schema/index.ts";

it.each([
  ["the schema", () => schema],
  ["the federation subgraph", () => subgraphSchema().schema],
])("in %s, every Node type's id resolves synchronously to the global ID of the object's id", (_, built: () => GraphQLSchema) => {
  const nodeTypes = built().getImplementations(built().getType("Node") as GraphQLInterfaceType).objects;
  expect(nodeTypes.map((type) => type.name).sort()).toEqual(["Order", "User"]);
  const id = "01900000-0000-7000-8000-0000000000a1";
  for (const type of nodeTypes) {
    const resolved = type.getFields().id!.resolve!({ id }, {}, {}, {} as GraphQLResolveInfo);
    expect(typeof resolved).toBe("string");
    expect(decodeGlobalId(resolved as string)).toEqual({ typename: type.name, id });
  }
});
