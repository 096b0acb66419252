import { validationFailed } from "../shared/domain-error.ts";
import { err, ok, type Result } from "../shared/result.ts";
import { ILL_FORMED_TEXT } from "../shared/text.ts";

export const UserStatus = { ACTIVE: "ACTIVE", DEACTIVATED: "DEACTIVATED" } as const;
export type UserStatus = (typeof UserStatus)[keyof typeof UserStatus];

export interface User {
  readonly id: string;
  /** As the user gave it, trimmed; unique case-insensitively. */
  readonly email: string;
  readonly name: string;
  readonly status: UserStatus;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  /** Starts at 1 and increases by exactly 1 on every change. */
  readonly version: number;
}

export const EMAIL_MAX_LENGTH = 254;
export const NAME_MAX_LENGTH = 200;

// One "@", no whitespace or control characters, a dot-separated domain of letters, digits and
// hyphens with a top-level label of two or more letters. Strict enough to catch typos, loose
// enough for every address people really use (plus-addressing, subdomains, IDN in Unicode).
const EMAIL = /^[^\s@\p{Cc}]+@(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?\.)+\p{L}{2,}$/u;

export function parseEmail(raw: string, field: readonly string[]): Result<string> {
  const email = raw.trim();
  if (!email.isWellFormed()) return err(validationFailed(ILL_FORMED_TEXT, field));
  if (email.length === 0) return err(validationFailed("Email must not be empty.", field));
  if (email.length > EMAIL_MAX_LENGTH) return err(validationFailed(`Email must be at most ${EMAIL_MAX_LENGTH} characters.`, field));
  if (!EMAIL.test(email)) return err(validationFailed("Email must be an address like name@example.com.", field));
  return ok(email);
}

export function parseName(raw: string, field: readonly string[]): Result<string> {
  const name = raw.trim();
  if (!name.isWellFormed()) return err(validationFailed(ILL_FORMED_TEXT, field));
  if (name.length === 0) return err(validationFailed("Name must not be empty.", field));
  if (name.length > NAME_MAX_LENGTH) return err(validationFailed(`Name must be at most ${NAME_MAX_LENGTH} characters.`, field));
  if (/\p{Cc}/u.test(name)) return err(validationFailed("Name must not contain control characters.", field));
  return ok(name);
}

/** Emails are unique regardless of case; this is the form they are compared in. */
export const emailKey = (email: string): string => email.toLowerCase();

export function newUser(input: { id: string; email: string; name: string; now: Date }): User {
  return {
    id: input.id,
    email: input.email,
    name: input.name,
    status: UserStatus.ACTIVE,
    createdAt: input.now,
    updatedAt: input.now,
    version: 1,
  };
}

/** Applies the changes that differ from the current values; `null` when nothing changes. */
export function changeUser(user: User, changes: { email?: string; name?: string }, now: Date): User | null {
  const email = changes.email ?? user.email;
  const name = changes.name ?? user.name;
  if (email === user.email && name === user.name) return null;
  return { ...user, email, name, updatedAt: now, version: user.version + 1 };
}

/** Deactivation is idempotent: an already deactivated user is returned unchanged (`null`). */
export function deactivate(user: User, now: Date): User | null {
  if (user.status === UserStatus.DEACTIVATED) return null;
  return { ...user, status: UserStatus.DEACTIVATED, updatedAt: now, version: user.version + 1 };
}
