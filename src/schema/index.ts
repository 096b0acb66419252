import { GraphQLDeferDirective, GraphQLStreamDirective } from "@graphql-tools/utils";
import { lexicographicSortSchema, specifiedDirectives, type GraphQLInterfaceType, type GraphQLSchema } from "graphql";
import { encodeGlobalId } from "./global-id.ts";
import { builder } from "./builder.ts";
import { asSubgraph, FEDERATION_LINK, type Subgraph } from "./federation.ts";
import "./scalars.ts";
import "./errors.ts";
import "./connection.ts";
import "./user.ts";
import "./order.ts";
import "./events.ts";

/**
 * `@defer` and `@stream` (incremental delivery, served by yoga's defer-stream plugin), declared so
 * clients and codegen that validate against the printed schema accept documents using them.
 */
const directives = [...specifiedDirectives, GraphQLDeferDirective, GraphQLStreamDirective];

/**
 * Node ids, resolved synchronously. Pothos's relay plugin resolves each Node type's `id` through
 * two async functions: a promise, a microtask and graphql-jit's promise bookkeeping for every
 * object in a response (550 in `nested`). A Node's id is its global ID made from the object's
 * own `id` (every `builder.node` here resolves `id` to it), so it is made here directly.
 */
function withSynchronousNodeIds<S extends GraphQLSchema>(built: S): S {
  for (const type of built.getImplementations(built.getType("Node") as GraphQLInterfaceType).objects) {
    // Refuse a Node type whose id is anything else (the options `builder.node` was given).
    const id = (type.extensions as { pothosOptions?: { id?: { resolve?: (node: object) => unknown; parse?: unknown } } }).pothosOptions?.id;
    if (id?.parse !== undefined || id?.resolve?.({ id: "probe" }) !== "probe") {
      throw new Error(`${type.name}'s id is not its object's own \`id\`: make it in withSynchronousNodeIds or leave it to Pothos`);
    }
    type.getFields().id!.resolve = (node: { readonly id: string }) => encodeGlobalId(type.name, node.id);
  }
  return built;
}

/** The API's schema, sorted so its printed form is stable. */
export const schema = withSynchronousNodeIds(lexicographicSortSchema(builder.toSchema({ directives })));

let subgraph: Subgraph | undefined;

/**
 * The same API as an Apollo Federation v2 subgraph (served with options.federation): every type
 * and field of `schema`, with `User` and `Order` as entities keyed by their global ID (user.ts,
 * order.ts), plus the `_entities` and `_service` fields gateways use (federation.ts). Built on
 * first use, so an instance without federation never builds it.
 */
export const subgraphSchema = (): Subgraph =>
  (subgraph ??= asSubgraph(withSynchronousNodeIds(builder.toSubGraphSchema({ directives, linkUrl: FEDERATION_LINK, federationDirectives: ["@key"] }))));
