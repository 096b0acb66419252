/**
 * One structured log line per operation (request id, operation name and type, duration,
 * outcome, error codes; never variables, so no personal data), and the matching Prometheus
 * metrics. Operations refused while parsing or validating are logged and counted as
 * "rejected", those whose result carries errors as "error".
 */
import type { DocumentNode, GraphQLError } from "graphql";
import type { Plugin } from "graphql-yoga";
import type { Context } from "../context.ts";
import type { Logger } from "../observability/logger.ts";
import type { Metrics } from "../observability/metrics.ts";
import { operationsOf, selectedOperation } from "../documents.ts";

type Outcome = "ok" | "error" | "rejected";

const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
/** Operation names are chosen by clients: past this many distinct ones, new names count as "other". */
const MAX_OPERATION_NAMES = 500;
const seenNames = new Set<string>();
const label = (name: string | null | undefined) => {
  if (name == null) return "anonymous";
  if (!NAME.test(name)) return "invalid";
  if (seenNames.has(name)) return name;
  if (seenNames.size >= MAX_OPERATION_NAMES) return "other";
  seenNames.add(name);
  return name;
};

const codeOf = (error: GraphQLError) => {
  const code = error.extensions?.code;
  return typeof code === "string" ? code : "UNKNOWN";
};
const codesOf = (errors: readonly GraphQLError[] | undefined) => [...new Set((errors ?? []).map(codeOf))];

export function useObservability(logger: Logger, metrics: Metrics): Plugin<Context> {
  // One child per label set, looked up once: prom-client's labels() hashes on every call.
  const children = new Map<string, { count: { inc(): void }; duration: { observe(seconds: number): void } }>();
  const instrumentsFor = (operation: string, type: string, outcome: Outcome) => {
    const key = `${operation}\u0000${type}\u0000${outcome}`;
    let child = children.get(key);
    if (!child) {
      child = { count: metrics.operations.labels(operation, type, outcome), duration: metrics.operationDuration.labels(operation, type, outcome) };
      children.set(key, child);
    }
    return child;
  };
  const record = (fields: { requestId?: string; traceparent?: string; operation: string; type: string; startedAt: number; outcome: Outcome; errors?: readonly GraphQLError[] }) => {
    const durationMs = Math.round((performance.now() - fields.startedAt) * 10) / 10;
    const instruments = instrumentsFor(fields.operation, fields.type, fields.outcome);
    instruments.count.inc();
    instruments.duration.observe(durationMs / 1000);
    const line = {
      requestId: fields.requestId,
      traceparent: fields.traceparent,
      operation: fields.operation,
      type: fields.type,
      durationMs,
      outcome: fields.outcome,
      ...(fields.errors?.length ? { errorCodes: codesOf(fields.errors) } : {}),
    };
    if (fields.outcome === "ok") logger.info(line, "operation");
    else logger.warn(line, "operation");
  };
  const contextOf = (context: unknown) => context as Partial<Context> & { params?: { operationName?: string | null }; traceparent?: string };

  return {
    onParse({ context }) {
      const startedAt = performance.now();
      return ({ result }) => {
        if (result instanceof Error) {
          const ctx = contextOf(context);
          record({ requestId: ctx.requestId, operation: label(ctx.params?.operationName), type: "unknown", startedAt, outcome: "rejected", errors: [result as GraphQLError] });
        }
      };
    },
    onValidate({ context }) {
      const startedAt = performance.now();
      return ({ valid, result }) => {
        if (!valid) {
          const ctx = contextOf(context);
          record({ requestId: ctx.requestId, operation: label(ctx.params?.operationName), type: "unknown", startedAt, outcome: "rejected", errors: result as readonly GraphQLError[] });
        }
      };
    },
    onExecute({ args }) {
      const startedAt = performance.now();
      const operation = label((args.operationName as string | null | undefined) ?? operationNameOf(args.document as DocumentNode));
      const type = operationTypeOf(args.document as DocumentNode, args.operationName as string | null | undefined);
      return {
        onExecuteDone({ result }) {
          const done = (errors: readonly GraphQLError[]) =>
            record({ requestId: args.contextValue.requestId, traceparent: args.contextValue.traceparent, operation, type, startedAt, outcome: errors.length ? "error" : "ok", errors });
          if (!(Symbol.asyncIterator in result)) {
            done((result.errors as readonly GraphQLError[] | undefined) ?? []);
            return;
          }
          // Incremental delivery: one line when the last payload has gone, with every part's errors.
          const errors: GraphQLError[] = [];
          return {
            onNext({ result: payload }) {
              const { errors: top, incremental } = payload as { errors?: readonly GraphQLError[]; incremental?: ReadonlyArray<{ errors?: readonly GraphQLError[] }> };
              errors.push(...(top ?? []), ...(incremental ?? []).flatMap((part) => part.errors ?? []));
            },
            onEnd() {
              done(errors);
            },
          };
        },
      };
    },
    onSubscribe({ args }) {
      const startedAt = performance.now();
      const operation = label((args.operationName as string | null | undefined) ?? operationNameOf(args.document as DocumentNode));
      return {
        onSubscribeResult({ result }) {
          if (!(Symbol.asyncIterator in (result as object))) {
            const errors = (result as { errors?: readonly GraphQLError[] }).errors;
            record({ requestId: args.contextValue.requestId, operation, type: "subscription", startedAt, outcome: errors?.length ? "error" : "ok", errors });
            return;
          }
          logger.info({ requestId: args.contextValue.requestId, operation, type: "subscription" }, "subscription started");
          return {
            onEnd() {
              record({ requestId: args.contextValue.requestId, operation, type: "subscription", startedAt, outcome: "ok" });
            },
          };
        },
      };
    },
  };
}

const operationNameOf = (document: DocumentNode) => {
  const operations = operationsOf(document);
  return operations.length === 1 ? (operations[0]?.name?.value ?? null) : null;
};

const operationTypeOf = (document: DocumentNode, name: string | null | undefined) => selectedOperation(document, name)?.operation ?? "unknown";
