/**
 * Events on the wire are CloudEvents 1.0 in the structured JSON format, validated with the same
 * schema when published (relay) and when received (each instance), so a malformed message never
 * reaches a subscriber. docs/event_schemas.md documents every type.
 */
import { z } from "zod";
import { ORDER_EVENT_TYPES, USER_EVENT_TYPES, type DomainEvent } from "../../domain/events/domain-event.ts";

const ORDER_STATUS = z.enum(["PENDING", "CONFIRMED", "SHIPPED", "DELIVERED", "CANCELLED"]);

const UserEventData = z.strictObject({
  userId: z.uuid(),
  status: z.enum(["ACTIVE", "DEACTIVATED"]),
  version: z.number().int().positive(),
});

const OrderEventData = z.strictObject({
  orderId: z.uuid(),
  userId: z.uuid(),
  status: ORDER_STATUS,
  previousStatus: ORDER_STATUS.nullable(),
  version: z.number().int().positive(),
  totalCents: z.number().int().nonnegative(),
  currency: z.string().length(3),
  reason: z.string().max(500).optional(),
});

const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

const envelope = <Type extends z.ZodType, Data extends z.ZodType>(source: string, type: Type, data: Data) =>
  z.strictObject({
    specversion: z.literal("1.0"),
    id: z.uuid(),
    source: z.literal(source),
    type,
    time: z.iso.datetime({ offset: true }),
    subject: z.uuid(),
    datacontenttype: z.literal("application/json"),
    data,
    traceparent: z.string().regex(TRACEPARENT).optional(),
    /** Extension: the event's place in the one publication order (subscribers drop anything at or before what they have). */
    position: z.number().int().positive().optional(),
  });

export const CloudEventSchema = z.union([
  envelope("/ordergraph/users", z.enum(USER_EVENT_TYPES), UserEventData),
  envelope("/ordergraph/orders", z.enum(ORDER_EVENT_TYPES), OrderEventData),
]);

export type CloudEvent = z.infer<typeof CloudEventSchema>;

export class InvalidEventError extends Error {
  override readonly name = "InvalidEventError";
}

const SOURCES = { user: "/ordergraph/users", order: "/ordergraph/orders" } as const;

/** The envelope for a domain event; throws `InvalidEventError` when the event breaks its schema. */
export function toCloudEvent(event: DomainEvent, traceparent?: string | null): CloudEvent {
  const parsed = CloudEventSchema.safeParse(toCandidate(event, traceparent));
  if (!parsed.success) throw new InvalidEventError(`event ${event.id} (${event.type}) breaks its schema: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

const toCandidate = (event: DomainEvent, traceparent?: string | null) => ({
  specversion: "1.0",
  id: event.id,
  source: SOURCES[event.stream],
  type: event.type,
  time: event.occurredAt.toISOString(),
  subject: event.aggregateId,
  datacontenttype: "application/json",
  data: event.data,
  ...(traceparent ? { traceparent } : {}),
  ...(event.position !== undefined ? { position: event.position } : {}),
});

/** The domain event in a received message; throws `InvalidEventError` when it is not a valid envelope. */
export function fromCloudEvent(message: unknown): DomainEvent {
  const parsed = CloudEventSchema.safeParse(message);
  if (!parsed.success) throw new InvalidEventError(`not a valid ordergraph CloudEvent: ${z.prettifyError(parsed.error)}`);
  const { id, type, time, subject, data, position, traceparent } = parsed.data;
  return {
    id,
    stream: parsed.data.source === SOURCES.user ? "user" : "order",
    type,
    aggregateId: subject,
    userId: data.userId,
    occurredAt: new Date(time),
    data,
    ...(position !== undefined ? { position } : {}),
    ...(traceparent ? { traceparent } : {}),
  } as DomainEvent;
}

/** Whether an event passes the wire schema (what the relay would publish). */
export function isPublishable(event: DomainEvent): boolean {
  return CloudEventSchema.safeParse(toCandidate(event)).success;
}
