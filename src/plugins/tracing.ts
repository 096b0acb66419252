/**
 * OpenTelemetry spans for GraphQL operations (installed only when tracing is on:
 * observability/telemetry.ts). Over HTTP an operation's span is a child of the request's span
 * (which continues the caller's `traceparent`); over WebSocket, of the `traceparent` the socket
 * was opened with. SQL statements and Redis commands run inside it, so they are its children.
 *
 * A subscription gets a span for its start, and each event it delivers a span of its own in the
 * subscriber's trace, linked to the operation that caused the event (the traceparent the outbox
 * stored with it), so a mutation's trace leads to every delivery it caused.
 */
import { context as otelContext, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context as OtelContext, type Link, type Span } from "@opentelemetry/api";
import type { DocumentNode, GraphQLError } from "graphql";
import type { Plugin } from "graphql-yoga";
import { isAsyncIterable } from "graphql-yoga";
import type { Context } from "../context.ts";
import { selectedOperation } from "../documents.ts";

const tracer = trace.getTracer("ordergraph");

/** The trace an operation belongs to: the active one (an HTTP request's), else the one its transport was opened with. */
function parentOf(context: Context): OtelContext {
  const active = otelContext.active();
  if (trace.getSpan(active)) return active;
  return context.traceparent ? propagation.extract(ROOT_CONTEXT, { traceparent: context.traceparent }) : ROOT_CONTEXT;
}

function describe(document: DocumentNode, operationName: string | null | undefined) {
  const operation = selectedOperation(document, operationName);
  const type = operation?.operation ?? "unknown";
  const name = operation?.name?.value;
  return { spanName: name ? `${type} ${name}` : type, attributes: { "graphql.operation.type": type, ...(name ? { "graphql.operation.name": name } : {}) } };
}

function finish(span: Span, errors: readonly GraphQLError[] | undefined) {
  if (errors?.length) {
    const codes = [...new Set(errors.map((error) => (typeof error.extensions?.code === "string" ? error.extensions.code : "UNKNOWN")))];
    span.setAttribute("graphql.error.codes", codes);
    span.setStatus({ code: SpanStatusCode.ERROR, message: codes.join(",") });
  }
  span.end();
}


export function useOperationTracing(): Plugin<Context> {
  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      const { spanName, attributes } = describe(args.document as DocumentNode, args.operationName as string | null | undefined);
      const parent = parentOf(args.contextValue);
      const span = tracer.startSpan(spanName, { kind: SpanKind.INTERNAL, attributes }, parent);
      const within = trace.setSpan(parent, span);
      // Resolvers, and the statements they run, run inside the operation's span.
      setExecuteFn((executionArgs): unknown => otelContext.with(within, (): unknown => executeFn(executionArgs)));
      return {
        onExecuteDone({ result }) {
          if (!isAsyncIterable(result)) {
            finish(span, result.errors as readonly GraphQLError[] | undefined);
            return;
          }
          const errors: GraphQLError[] = [];
          return {
            onNext({ result: payload }) {
              errors.push(...(((payload as { errors?: readonly GraphQLError[] }).errors ?? []) as GraphQLError[]));
            },
            onEnd() {
              finish(span, errors);
            },
          };
        },
      };
    },
    onSubscribe({ args }) {
      const { spanName, attributes } = describe(args.document as DocumentNode, args.operationName as string | null | undefined);
      const parent = parentOf(args.contextValue);
      const span = tracer.startSpan(spanName, { kind: SpanKind.INTERNAL, attributes }, parent);
      return {
        onSubscribeResult({ result }) {
          if (!isAsyncIterable(result)) {
            finish(span, (result as { errors?: readonly GraphQLError[] }).errors);
            return;
          }
          span.end();
          // Each event: a span in the subscriber's trace, from when the event was taken to its result, linked to its cause.
          return {
            onNext({ args: eventArgs, result: event }) {
              const current = (eventArgs.contextValue as Context).eventBeingResolved.current;
              const cause = current?.traceparent ? trace.getSpanContext(propagation.extract(ROOT_CONTEXT, { traceparent: current.traceparent })) : undefined;
              const links: Link[] = cause ? [{ context: cause }] : [];
              const delivery = tracer.startSpan(
                `${spanName} event`,
                { kind: SpanKind.PRODUCER, attributes, links, ...(current ? { startTime: current.takenAt } : {}) },
                trace.setSpan(parent, span),
              );
              finish(delivery, (event as { errors?: readonly GraphQLError[] }).errors);
            },
          };
        },
      };
    },
  };
}
