/** The expected failures of user operations, each built here once (messages are part of the API). */
import { domainError, DomainErrorCode } from "../shared/domain-error.ts";

export const userErrors = {
  /** No user has the id (or the viewer may not see it: answered the same). `field`: where the id was given. */
  notFound: (field: readonly string[] = ["id"]) => domainError(DomainErrorCode.NOT_FOUND, "No user has this id.", field),
  emailTaken: () => domainError(DomainErrorCode.EMAIL_TAKEN, "Another user already has this email.", ["email"]),
  /** The caller's expectedVersion is not the stored one. */
  versionMismatch: (storedVersion: number) =>
    domainError(DomainErrorCode.VERSION_CONFLICT, `expectedVersion does not match; the user is at version ${storedVersion}.`, ["expectedVersion"]),
  /** A concurrent writer committed between our read and our write. */
  changedConcurrently: () => domainError(DomainErrorCode.VERSION_CONFLICT, "The user was changed by someone else; read it again and retry.", ["expectedVersion"]),
  cannotChangeDeactivated: () => domainError(DomainErrorCode.USER_DEACTIVATED, "The user is deactivated and cannot be changed.", ["id"]),
  cannotOrderDeactivated: () => domainError(DomainErrorCode.USER_DEACTIVATED, "The user is deactivated and cannot place orders.", ["userId"]),
};
