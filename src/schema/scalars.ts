import { DateTimeResolver } from "graphql-scalars";
import { builder } from "./builder.ts";

builder.addScalarType("DateTime", DateTimeResolver, {
  description: "An ISO-8601 date-time with offset, serialized in UTC with milliseconds, e.g. 2025-01-31T12:00:00.000Z.",
});
