import { GraphQLDeferDirective, GraphQLStreamDirective } from "@graphql-tools/utils";
import { lexicographicSortSchema, specifiedDirectives } from "graphql";
import { builder } from "./builder.ts";
import "./scalars.ts";
import "./errors.ts";
import "./connection.ts";
import "./user.ts";
import "./order.ts";
import "./events.ts";

/**
 * The API's schema, sorted so its printed form is stable. It declares `@defer` and `@stream`
 * (incremental delivery, served by yoga's defer-stream plugin), so clients and codegen that
 * validate against the printed schema accept documents using them.
 */
export const schema = lexicographicSortSchema(builder.toSchema({ directives: [...specifiedDirectives, GraphQLDeferDirective, GraphQLStreamDirective] }));
