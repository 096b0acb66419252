import { printSubgraphSchema } from "@apollo/subgraph";
import { MapperKind, mapSchema } from "@graphql-tools/utils";
import { isUnionType, type GraphQLFieldConfig, type GraphQLResolveInfo, type GraphQLSchema } from "graphql";
import type { Context } from "../context.ts";
import { openToAnonymous } from "./access.ts";
import { badUserInput } from "./bad-user-input.ts";
import { entitiesCost } from "./cost.ts";
import { decodeEntityKey } from "./global-id.ts";

/**
 * Where a gateway finds the federation directives ordergraph uses (only `@key`); printed into the
 * subgraph's SDL.
 */
export const FEDERATION_LINK = "https://specs.apollo.dev/federation/v2.6";

export interface Subgraph {
  readonly schema: GraphQLSchema;
  /** What `_service { sdl }` answers, and what schema.federation.graphql holds. */
  readonly sdl: string;
}

/**
 * Pothos's subgraph schema (`toSubGraphSchema`) made to follow the API's rules where its two
 * gateway fields bypass them:
 * - `_entities` is priced by its representations, as `nodes(ids:)` is by its ids;
 * - every representation is checked before any is loaded, as arguments are: a type that is not an
 *   entity, or a key that is not the global ID of one (every entity's key is its `id`,
 *   global-id.ts), is BAD_USER_INPUT for the whole field. A gateway sends only what a subgraph
 *   returned, so either is a bug in the graph to surface, not a row to skip; and checked first,
 *   no load of a good representation is left running after the field failed;
 * - `_service` (the SDL) is open to anonymous callers, like introspection, and refused with it
 *   (plugins/disable-introspection.ts); it answers the SDL of this very schema.
 */
export function asSubgraph(built: GraphQLSchema): Subgraph {
  // Both known once the schema below exists.
  let sdl = "";
  let entities: ReadonlySet<string> = new Set();
  const schema = mapSchema(built, {
    [MapperKind.QUERY_ROOT_FIELD]: (field: GraphQLFieldConfig<unknown, Context>, name) => {
      if (name === "_service") return { ...field, extensions: { ...field.extensions, ...openToAnonymous }, resolve: () => ({ sdl }) };
      if (name !== "_entities") return field;
      const resolve = field.resolve!;
      return {
        ...field,
        extensions: { ...field.extensions, complexity: entitiesCost },
        resolve: (source: unknown, args: { representations: readonly unknown[] }, context: Context, info: GraphQLResolveInfo) => {
          for (const representation of args.representations) {
            const typename = (representation as { __typename?: unknown } | null)?.__typename;
            if (typeof typename !== "string" || !entities.has(typename)) {
              throw badUserInput(`Every representation needs a __typename of an entity (${[...entities].join(", ")}).`, "representations");
            }
            decodeEntityKey(typename, representation as { readonly id?: unknown });
          }
          return resolve(source, args, context, info);
        },
      };
    },
  });
  const entity = schema.getType("_Entity");
  entities = new Set(isUnionType(entity) ? entity.getTypes().map((type) => type.name) : []);
  sdl = printSubgraphSchema(schema);
  return { schema, sdl };
}
