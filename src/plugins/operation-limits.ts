/**
 * Operation limits, on HTTP and WebSocket alike (both run yoga's envelop): depth, aliases,
 * tokens and directives from graphql-armor, and a cost limit that prices an operation by the
 * rows it can return (connections multiply by first/last; see src/schema/cost.ts). Every
 * rejection happens while parsing or validating, before any resolver or SQL runs, and carries
 * `extensions.code`.
 */
import { EnvelopArmorPlugin } from "@escape.tech/graphql-armor";
import { createComplexityRule } from "@pothos/plugin-complexity";
import { GraphQLError, Kind, validate, type DocumentNode, type GraphQLSchema, type ValidationContext } from "graphql";
import type { Plugin } from "graphql-yoga";
import type { Options } from "../options.ts";
import { apiError, ErrorCode } from "../error-codes.ts";

/** Depth, alias, token, directive and cost limits, each declared with its default in options.ts. */
export type OperationLimits = Options["limits"];

const coded = (error: GraphQLError) =>
  apiError(ErrorCode.OPERATION_LIMIT_EXCEEDED, error.message.replace(/^Syntax Error: /, ""), { nodes: error.nodes });

export function useOperationLimits(limits: OperationLimits): Plugin[] {
  // Report a coded error instead of armor's plain one; validation then fails with 400.
  const reject = { propagateOnRejection: false, onReject: [(context: ValidationContext | null, error: GraphQLError) => context?.reportError(coded(error))] };
  return [
    EnvelopArmorPlugin({
      maxDepth: { n: limits.maxDepth, ...reject },
      maxAliases: { n: limits.maxAliases, ...reject },
      maxDirectives: { n: limits.maxDirectives, ...reject },
      // The token limit applies while parsing, where there is no validation context to report to.
      maxTokens: { n: limits.maxTokens },
      costLimit: { enabled: false },
      blockFieldSuggestion: { enabled: limits.blockFieldSuggestions },
    }),
    useCostLimit(limits.maxCost),
    useParseErrorCodes(),
  ];
}

/**
 * Prices a valid operation with the variables it will run with, and refuses it above the limit.
 * It runs after the standard validation, so an invalid document gets only the usual errors.
 */
function useCostLimit(maxCost: number): Plugin {
  // An operation without variables always costs the same: priced once per parsed document.
  const verdicts = new WeakMap<DocumentNode, Map<string, GraphQLError[]>>();
  return {
    onValidate({ params, context }) {
      return ({ valid, setResult }) => {
        if (!valid) return;
        const document = params.documentAST as DocumentNode;
        const constant = document.definitions.every((definition) => definition.kind !== Kind.OPERATION_DEFINITION || !definition.variableDefinitions?.length);
        const { params: request } = context as { params?: { variables?: Record<string, unknown> | null; operationName?: string | null } };
        // The rule prices the operation the request names; a document may hold several.
        const operationKey = request?.operationName ?? "";
        const known = constant ? verdicts.get(document)?.get(operationKey) : undefined;
        if (known) {
          if (known.length > 0) setResult(known);
          return;
        }
        const errors = validate(params.schema as GraphQLSchema, document, [
          createComplexityRule({
            context,
            variableValues: request?.variables ?? {},
            operationName: request?.operationName,
            validate: ({ complexity }, reportError) => {
              if (complexity > maxCost) {
                reportError(
                  apiError(
                    ErrorCode.OPERATION_LIMIT_EXCEEDED,
                    `This operation could return about ${complexity} rows, more than the limit of ${maxCost}: ask for fewer rows (first/last) or fewer nested connections.`,
                    // Refused like any validation error (400 for GraphQL-over-HTTP clients).
                    { extensions: { cost: complexity, maxCost }, httpStatus: 400 },
                  ),
                );
              }
            },
          }),
        ]);
        // Only the cost verdict: bad variable values are reported by execution, with their code.
        const refused = errors.filter((error) => error.extensions.code === ErrorCode.OPERATION_LIMIT_EXCEEDED);
        if (constant) verdicts.set(document, (verdicts.get(document) ?? new Map<string, GraphQLError[]>()).set(operationKey, refused));
        if (refused.length > 0) setResult(refused);
      };
    },
  };
}

/** Parse failures (including the token limit) carry a code like every other rejection. */
function useParseErrorCodes(): Plugin {
  return {
    onParse() {
      return ({ result, replaceParseResult }) => {
        if (result instanceof GraphQLError && result.extensions.code === undefined) {
          const limit = /Token limit/.test(result.message);
          replaceParseResult(
            new GraphQLError(limit ? result.message.replace(/^Syntax Error: /, "") : result.message, {
              nodes: result.nodes,
              source: result.source,
              positions: result.positions,
              extensions: { code: limit ? ErrorCode.OPERATION_LIMIT_EXCEEDED : ErrorCode.GRAPHQL_PARSE_FAILED },
            }),
          );
        }
      };
    },
  };
}
