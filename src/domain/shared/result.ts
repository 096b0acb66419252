import type { DomainError } from "./domain-error.ts";

/** Expected failures are data: a service returns `Ok` or `Err`, and throws only for the unexpected. */
export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly errors: readonly DomainError[] };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });

export const err = <T = never>(...errors: DomainError[]): Result<T> => ({ ok: false, errors });
