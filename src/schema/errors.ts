import { DomainErrorCode, type DomainError } from "../domain/shared/domain-error.ts";
import type { Result } from "../domain/shared/result.ts";
import { builder } from "./builder.ts";

const MUTATION_ERROR_DESCRIPTIONS: Record<DomainErrorCode, string> = {
  VALIDATION_FAILED: "An input value is malformed or out of range; `field` points at it.",
  NOT_FOUND: "A referenced object does not exist.",
  EMAIL_TAKEN: "Another user already has this email (compared case-insensitively).",
  VERSION_CONFLICT: "expectedVersion does not match the stored version, or a concurrent change won.",
  INVALID_TRANSITION: "The order's status does not allow this transition.",
  USER_DEACTIVATED: "The user is deactivated: it cannot place orders, and a customer can no longer change it.",
  IDEMPOTENCY_KEY_REUSED: "The idempotency key was already used with a different request.",
};

export const MutationErrorCodeEnum = builder.enumType("MutationErrorCode", {
  values: Object.fromEntries(Object.values(DomainErrorCode).map((code) => [code, { value: code, description: MUTATION_ERROR_DESCRIPTIONS[code] }])),
});

/** What a mutation reports in `errors`: the domain error, with its field path from the operation's arguments. */
export interface MutationErrorShape {
  code: DomainErrorCode;
  message: string;
  field: string[] | null;
}

export const MutationError = builder.objectRef<MutationErrorShape>("MutationError").implement({
  description: "An expected, client-fixable failure of a mutation.",
  fields: (t) => ({
    code: t.field({ type: MutationErrorCodeEnum, resolve: (error) => error.code }),
    message: t.exposeString("message"),
    field: t.exposeStringList("field", {
      nullable: true,
      description: 'Path to the offending input field, e.g. ["input", "items", "0", "quantity"]; null when not about one field.',
    }),
  }),
});

const toMutationError = (error: DomainError): MutationErrorShape => ({
  code: error.code,
  message: error.message,
  field: error.field ? ["input", ...error.field] : null,
});

/** A mutation payload's `errors` for an input that failed before reaching a service. */
export const invalidInput = (message: string, field: string[]): { errors: MutationErrorShape[] } => ({
  errors: [{ code: DomainErrorCode.VALIDATION_FAILED, message, field: ["input", ...field] }],
});

/** Turns a service result into a payload: the value under `key` on success, `errors` otherwise. */
export function toPayload<K extends string, T>(key: K, result: Result<T>): { [P in K]: T | null } & { errors: MutationErrorShape[] } {
  return (result.ok ? { [key]: result.value, errors: [] } : { [key]: null, errors: result.errors.map(toMutationError) }) as {
    [P in K]: T | null;
  } & { errors: MutationErrorShape[] };
}
