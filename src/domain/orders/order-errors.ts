/** The expected failures of order operations, each built here once (messages are part of the API). */
import { domainError, DomainErrorCode, validationFailed } from "../shared/domain-error.ts";
import type { OrderTransition } from "./order-status-machine.ts";

export const orderErrors = {
  /** No order has the id (or the viewer may not see it: answered the same). */
  notFound: () => domainError(DomainErrorCode.NOT_FOUND, "No order has this id.", ["id"]),
  /** The caller's expectedVersion is not the stored one. */
  versionMismatch: (storedVersion: number) =>
    domainError(DomainErrorCode.VERSION_CONFLICT, `expectedVersion does not match; the order is at version ${storedVersion}.`, ["expectedVersion"]),
  /** A concurrent writer committed between our read and our write. */
  changedConcurrently: () => domainError(DomainErrorCode.VERSION_CONFLICT, "The order was changed by someone else; read it again and retry.", ["expectedVersion"]),
  invalidTransition: (transition: OrderTransition, status: string) => domainError(DomainErrorCode.INVALID_TRANSITION, `Cannot ${transition} an order that is ${status}.`),
  idempotencyKeyReused: () => domainError(DomainErrorCode.IDEMPOTENCY_KEY_REUSED, "This idempotency key was already used for a different order.", ["idempotencyKey"]),
  idempotencyKeyLength: (maxLength: number) => validationFailed(`Idempotency key must be 1 to ${maxLength} characters.`, ["idempotencyKey"]),
};
