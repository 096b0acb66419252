import { lexicographicSortSchema } from "graphql";
import { builder } from "./builder.ts";
import "./scalars.ts";
import "./errors.ts";
import "./connection.ts";
import "./user.ts";
import "./order.ts";
import "./events.ts";

/** The API's schema, sorted so its printed form is stable. */
export const schema = lexicographicSortSchema(builder.toSchema());
