/**
 * Stable codes for expected, client-fixable failures. They are part of the public API
 * (`MutationErrorCode`), so a code is never renamed or reused for another meaning.
 */
export const DomainErrorCode = {
  VALIDATION_FAILED: "VALIDATION_FAILED",
  NOT_FOUND: "NOT_FOUND",
  EMAIL_TAKEN: "EMAIL_TAKEN",
  VERSION_CONFLICT: "VERSION_CONFLICT",
  INVALID_TRANSITION: "INVALID_TRANSITION",
  USER_DEACTIVATED: "USER_DEACTIVATED",
  IDEMPOTENCY_KEY_REUSED: "IDEMPOTENCY_KEY_REUSED",
} as const;

export type DomainErrorCode = (typeof DomainErrorCode)[keyof typeof DomainErrorCode];

/**
 * An expected failure. `field` is the path to the offending input value relative to the
 * operation's input object, e.g. `["items", "0", "quantity"]`; absent when the failure is not
 * about one value.
 */
export interface DomainError {
  readonly code: DomainErrorCode;
  readonly message: string;
  readonly field?: readonly string[];
}

export const domainError = (code: DomainErrorCode, message: string, field?: readonly string[]): DomainError =>
  field === undefined ? { code, message } : { code, message, field };

/** An input value is malformed or out of range; `field` points at it. */
export const validationFailed = (message: string, field: readonly string[]): DomainError => domainError(DomainErrorCode.VALIDATION_FAILED, message, field);
