/**
 * With introspection off (production's default) the schema is not disclosed, over HTTP and
 * WebSocket alike: `__schema` and `__type` are refused by graphql's own rule, a validation error
 * before anything runs.
 *
 * yoga's plugin for this keys its decision on the HTTP request, which WebSocket operations do not
 * have: there it let introspection through.
 */
import { NoSchemaIntrospectionCustomRule } from "graphql";
import type { Plugin } from "graphql-yoga";

export function useDisableIntrospection(): Plugin {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(NoSchemaIntrospectionCustomRule);
    },
  };
}
