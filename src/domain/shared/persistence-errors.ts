/**
 * Failures a repository adapter reports in the domain's terms, so services can turn them into
 * expected errors without knowing which database raised them.
 */

/** The row changed since it was read (optimistic lock lost), or another writer got there first. */
export class ConcurrentUpdateError extends Error {
  override readonly name = "ConcurrentUpdateError";
  readonly entity: string;
  readonly id: string;
  constructor(entity: string, id: string) {
    super(`${entity} ${id} was changed by someone else`);
    this.entity = entity;
    this.id = id;
  }
}

/** A uniqueness rule held by the store was violated; `rule` names it in domain terms. */
export class UniquenessViolationError extends Error {
  override readonly name = "UniquenessViolationError";
  readonly rule: UniquenessRule;
  constructor(rule: UniquenessRule, options?: ErrorOptions) {
    super(`uniqueness rule violated: ${rule}`, options);
    this.rule = rule;
  }
}

/** A reference to another object that does not exist (a foreign key, in SQL terms). */
export class MissingReferenceError extends Error {
  override readonly name = "MissingReferenceError";
  readonly reference: string;
  constructor(reference: string, options?: ErrorOptions) {
    super(`referenced object does not exist: ${reference}`, options);
    this.reference = reference;
  }
}

export type UniquenessRule = "user.email" | "order.idempotencyKey";
