import SchemaBuilder from "@pothos/core";
import ComplexityPlugin from "@pothos/plugin-complexity";
import DirectivesPlugin from "@pothos/plugin-directives";
import FederationPlugin from "@pothos/plugin-federation";
import RelayPlugin from "@pothos/plugin-relay";
import type { Context } from "../context.ts";
import { decodeGlobalId, encodeGlobalId } from "./global-id.ts";

/** The schema's types: context, scalars, defaults. */
interface AppSchemaTypes {
  Context: Context;
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    ID: { Input: string; Output: string };
  };
  DefaultFieldNullability: false;
  DefaultEdgesNullability: { list: false; items: false };
  DefaultNodeNullability: false;
  Connection: { totalCount: () => Promise<number> };
}

/** The same, completed with Pothos's defaults, for helpers that take field builders. */
export type SchemaTypes = PothosSchemaTypes.ExtendDefaultTypes<AppSchemaTypes>;

/** The one Pothos builder. Creating it does no I/O; schema files add their types to it. */
export const builder = new SchemaBuilder<AppSchemaTypes>({
  // Federation (with the directives plugin it needs to print @key) marks User and Order as
  // entities and nothing else: `schema` prints and runs as before; only `subgraphSchema()` adds
  // what gateways call (schema/index.ts). Listed last, after anything that wraps resolvers.
  plugins: [ComplexityPlugin, RelayPlugin, DirectivesPlugin, FederationPlugin],
  defaultFieldNullability: false,
  // Cost = the rows an operation can return: each field costs 1, and a list multiplies what is
  // under it only where a field says so (connections by first/last). The limit is enforced at
  // validation, before anything runs (src/plugins/operation-limits.ts).
  complexity: { defaultComplexity: 1, defaultListMultiplier: 1 },
  relay: {
    clientMutationId: "omit",
    cursorType: "String",
    edgesFieldOptions: { nullable: { list: false, items: false } },
    nodeFieldOptions: { nullable: false },
    nodesOnConnection: true,
    encodeGlobalID: encodeGlobalId,
    decodeGlobalID: decodeGlobalId,
    nodeQueryOptions: { description: "Refetch any object by its global ID; null when it does not exist." },
    nodesQueryOptions: {
      description: "Refetch many objects; each position holds the object for that ID or null.",
      complexity: (args) => ({ field: 1, multiplier: Math.max(args.ids.length, 1) }),
    },
    pageInfoTypeOptions: { description: "Relay cursor-connection page information." },
    nodeTypeOptions: { description: "An object with a globally unique, opaque ID that `Query.node` can refetch." },
  },
});

builder.queryType({});
builder.mutationType({});
