/**
 * Operation limits, on HTTP and WebSocket alike (both run yoga's envelop): depth, aliases,
 * tokens and directives from graphql-armor, and a cost limit that prices an operation by the
 * rows it can return (connections multiply by first/last; see src/schema/cost.ts). Every
 * rejection happens while parsing or validating, before any resolver or SQL runs, and carries
 * `extensions.code`.
 */
import { EnvelopArmorPlugin } from "@escape.tech/graphql-armor";
import { createComplexityRule } from "@pothos/plugin-complexity";
import { GraphQLError, Kind, validate, visit, type ASTNode, type DocumentNode, type GraphQLSchema, type OperationTypeNode, type ValidationContext } from "graphql";
import type { Plugin } from "graphql-yoga";
import { isAsyncIterable } from "graphql-yoga";
import { selectedOperation } from "../documents.ts";
import type { Options } from "../options.ts";
import { PRICED_ARGUMENTS } from "../schema/cost.ts";
import { apiError, ErrorCode } from "../error-codes.ts";

/** Depth, alias, token, directive and cost limits, each declared with its default in options.ts. */
export type OperationLimits = Options["limits"];

/** Called with every price the cost limit computes (for the cost histogram), refused operations included. */
export type PriceObserver = (type: OperationTypeNode | "unknown", price: number) => void;

const coded = (error: GraphQLError) =>
  apiError(ErrorCode.OPERATION_LIMIT_EXCEEDED, error.message.replace(/^Syntax Error: /, ""), { nodes: error.nodes });

export function useOperationLimits(limits: OperationLimits, observePrice: PriceObserver = () => {}): Plugin[] {
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
    useCostLimit(limits.maxCost, observePrice),
    useParseErrorCodes(),
  ];
}

/**
 * Prices a valid operation with the variables it will run with, and refuses it above the limit.
 * It runs after the standard validation, so an invalid document gets only the usual errors.
 * A refusal is thrown, never set as the validation result: yoga caches validation results per
 * document, whatever the variables, and a refusal for one set of values must not stick to the
 * document.
 *
 * Every result of an operation it let through says what it was priced at and the limit, as
 * `extensions.cost: { price, limit }` (a deferred query's first payload, every subscription
 * event), so client teams see how close they are before they are refused.
 */
function useCostLimit(maxCost: number, observePrice: PriceObserver): Plugin {
  // The price of the request being run, by its parameters (one object per request and per
  // WebSocket operation, shared by validation and execution).
  const priceOfRequest = new WeakMap<object, number>();
  const withCost = <R extends { extensions?: Record<string, unknown> }>(result: R, price: number): R => ({
    ...result,
    extensions: { ...result.extensions, cost: { price, limit: maxCost } },
  });
  const priceOf = (context: unknown) => {
    const params = (context as { params?: object } | undefined)?.params;
    return params ? priceOfRequest.get(params) : undefined;
  };
  // A price depends on the variables only through the priced arguments and @include/@skip: it
  // is kept per parsed document, operation and those values (a missing variable, which takes
  // its default, is told apart from an explicit null).
  const prices = new WeakMap<DocumentNode, Map<string, number>>();
  return {
    onValidate({ params, context }) {
      return ({ valid }) => {
        if (!valid) return;
        const document = params.documentAST as DocumentNode;
        const { params: request } = context as { params?: { variables?: Record<string, unknown> | null; operationName?: string | null } };
        const variables = request?.variables ?? {};
        // The rule prices the operation the request names; a document may hold several.
        const key = `${request?.operationName ?? ""}\u0000${JSON.stringify(pricedVariablesOf(document).map((name) => (name in variables ? variables[name] : "$default")))}`;
        const byKey = prices.get(document) ?? new Map<string, number>();
        let cost = byKey.get(key);
        if (cost === undefined) {
          let priced = 0;
          validate(params.schema as GraphQLSchema, document, [
            createComplexityRule({
              context,
              variableValues: variables,
              operationName: request?.operationName,
              validate: ({ complexity }) => {
                priced = complexity;
              },
            }),
          ]);
          cost = priced;
          // Bounded: a client varying `first` on one document cannot grow this without limit.
          if (byKey.size < 100) prices.set(document, byKey.set(key, cost));
        }
        observePrice(selectedOperation(document, request?.operationName)?.operation ?? "unknown", cost);
        const { params: requestParams } = context as { params?: object };
        if (requestParams) priceOfRequest.set(requestParams, cost);
        if (cost > maxCost) {
          throw apiError(
            ErrorCode.OPERATION_LIMIT_EXCEEDED,
            `This operation could return about ${cost} rows, more than the limit of ${maxCost}: ask for fewer rows (first/last) or fewer nested connections.`,
            // Refused like any validation error (400 for GraphQL-over-HTTP clients).
            { extensions: { cost, maxCost }, httpStatus: 400 },
          );
        }
      };
    },
    onExecute({ args }) {
      const price = priceOf(args.contextValue);
      if (price === undefined) return;
      return {
        onExecuteDone({ result, setResult }) {
          if (!isAsyncIterable(result)) {
            setResult(withCost(result, price));
            return;
          }
          // Incremental delivery: the first payload carries it.
          let first = true;
          return {
            onNext({ result: payload, setResult: setPayload }) {
              if (!first) return;
              first = false;
              setPayload(withCost(payload, price));
            },
          };
        },
      };
    },
    onSubscribe({ args }) {
      const price = priceOf(args.contextValue);
      if (price === undefined) return;
      return {
        onSubscribeResult({ result, setResult }) {
          if (!isAsyncIterable(result)) {
            setResult(withCost(result, price));
            return;
          }
          return {
            onNext({ result: event, setResult: setEvent }) {
              setEvent(withCost(event, price));
            },
          };
        },
      };
    },
  };
}


/** The variables a document's price can depend on: those inside priced arguments and @include/@skip. */
const pricedVariables = new WeakMap<DocumentNode, string[]>();
function pricedVariablesOf(document: DocumentNode): string[] {
  let names = pricedVariables.get(document);
  if (names) return names;
  const found = new Set<string>();
  const collect = (node: ASTNode) =>
    visit(node, {
      [Kind.VARIABLE]: (variable) => {
        found.add(variable.name.value);
      },
    });
  visit(document, {
    [Kind.ARGUMENT]: (argument, _key, parent) => {
      const owner = parent as { kind?: Kind; name?: { value: string } } | undefined;
      const inDirective = owner?.kind === Kind.DIRECTIVE;
      if (PRICED_ARGUMENTS.has(argument.name.value) || (inDirective && (owner.name?.value === "include" || owner.name?.value === "skip"))) collect(argument.value);
    },
  });
  names = [...found].sort();
  pricedVariables.set(document, names);
  return names;
}

/** Parse failures (including the token limit) carry a code like every other rejection. */
function useParseErrorCodes(): Plugin {
  return {
    onParse() {
      return ({ result, replaceParseResult }) => {
        if (result instanceof GraphQLError && result.extensions.code === undefined) {
          const limit = /Token limit/.test(result.message);
          replaceParseResult(
            apiError(limit ? ErrorCode.OPERATION_LIMIT_EXCEEDED : ErrorCode.GRAPHQL_PARSE_FAILED, limit ? result.message.replace(/^Syntax Error: /, "") : result.message, {
              nodes: result.nodes,
              source: result.source,
              positions: result.positions,
            }),
          );
        }
      };
    },
  };
}
