/**
 * With introspection off (production's default) the schema is not disclosed, over HTTP and
 * WebSocket alike: `__schema` and `__type` are refused by graphql's own rule, and so is a
 * federation subgraph's `_service { sdl }`, which is introspection for gateways (they compose
 * from schema.federation.graphql instead). Both are validation errors, before anything runs.
 *
 * yoga's plugin for this keys its decision on the HTTP request, which WebSocket operations do not
 * have: there it let introspection through.
 */
import { GraphQLError, NoSchemaIntrospectionCustomRule, type ValidationRule } from "graphql";
import type { Plugin } from "graphql-yoga";

/** The federation subgraph's SDL field (Query._service), refused like introspection. */
const NoSubgraphSdlRule: ValidationRule = (context) => ({
  Field(node) {
    if (node.name.value === "_service" && context.getParentType() === context.getSchema().getQueryType()) {
      context.reportError(new GraphQLError('GraphQL introspection has been disabled, but the requested query contained the field "_service".', { nodes: node }));
    }
  },
});

export function useDisableIntrospection(): Plugin {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(NoSchemaIntrospectionCustomRule);
      addValidationRule(NoSubgraphSdlRule);
    },
  };
}
