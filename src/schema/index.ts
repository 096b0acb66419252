import { GraphQLDeferDirective, GraphQLStreamDirective } from "@graphql-tools/utils";
import { lexicographicSortSchema, specifiedDirectives } from "graphql";
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

/** The API's schema, sorted so its printed form is stable. */
export const schema = lexicographicSortSchema(builder.toSchema({ directives }));

let subgraph: Subgraph | undefined;

/**
 * The same API as an Apollo Federation v2 subgraph (served with options.federation): every type
 * and field of `schema`, with `User` and `Order` as entities keyed by their global ID (user.ts,
 * order.ts), plus the `_entities` and `_service` fields gateways use (federation.ts). Built on
 * first use, so an instance without federation never builds it.
 */
export const subgraphSchema = (): Subgraph =>
  (subgraph ??= asSubgraph(builder.toSubGraphSchema({ directives, linkUrl: FEDERATION_LINK, federationDirectives: ["@key"] })));
