import { canSeeUser, requireAdmin, requireSignedIn, type Viewer } from "../access/viewer.ts";
import { userEvent } from "../events/domain-event.ts";
import type { Clock } from "../shared/clock.ts";
import type { DomainError } from "../shared/domain-error.ts";
import type { IdGenerator } from "../shared/ids.ts";
import { ConcurrentUpdateError, UniquenessViolationError } from "../shared/persistence-errors.ts";
import { err, ok, type Result } from "../shared/result.ts";
import type { UnitOfWork } from "../shared/unit-of-work.ts";
import { changeUser, deactivate, emailKey, newUser, parseEmail, parseName, UserStatus, type User } from "./user.ts";
import { userErrors } from "./user-errors.ts";
import type { UserFilter, UserPageQuery, UserRepository } from "./user-repository.ts";

export interface UserServiceDeps {
  /** For reads outside a transaction. */
  readonly users: UserRepository;
  readonly unitOfWork: UnitOfWork;
  readonly clock: Clock;
  readonly newId: IdGenerator;
  /** Who is calling: what they may see and change. */
  readonly viewer: Viewer;
}

export interface CreateUserInput {
  readonly email: string;
  readonly name: string;
}

export interface UpdateUserInput {
  readonly id: string;
  readonly expectedVersion?: number | null;
  readonly email?: string | null;
  readonly name?: string | null;
}

export interface DeactivateUserInput {
  readonly id: string;
  readonly expectedVersion?: number | null;
}

export type UserService = ReturnType<typeof createUserService>;

/**
 * Users, as the viewer may see and change them: admins everything; customers only themselves
 * (anyone else reads as missing); anonymous callers may only sign up.
 */
export function createUserService({ users, unitOfWork, clock, newId, viewer }: UserServiceDeps) {
  const visible = (user: User | null) => (user && canSeeUser(viewer, user.id) ? user : null);
  return {
    async getOne(id: string) {
      requireSignedIn(viewer, "read users");
      return canSeeUser(viewer, id) ? users.getOne(id) : null;
    },
    /** One entry per id, in order: null for a missing user or one the viewer may not see (which is not even queried). */
    async getMany(ids: readonly string[]) {
      requireSignedIn(viewer, "read users");
      const wanted = ids.filter((id) => canSeeUser(viewer, id));
      const found = new Map((wanted.length ? await users.getMany(wanted) : []).flatMap((user) => (user ? [[user.id, user] as const] : [])));
      return ids.map((id) => found.get(id) ?? null);
    },
    async getOneByEmail(email: string) {
      requireSignedIn(viewer, "read users");
      return visible(await users.getOneByEmail(email.trim()));
    },
    /** The caller's own user, or null (anonymous, or an administrator without a user record). */
    async getViewer() {
      return viewer.kind === "anonymous" || viewer.userId === null ? null : users.getOne(viewer.userId);
    },
    async getPage(query: UserPageQuery) {
      requireAdmin(viewer, "list all users");
      return users.getPage(query);
    },
    async count(filter: UserFilter) {
      requireAdmin(viewer, "list all users");
      return users.count(filter);
    },

    async createOne(input: CreateUserInput): Promise<Result<User>> {
      // Sign-up is for new callers; administrators may create users for others.
      if (viewer.kind === "customer") requireAdmin(viewer, "create other users");
      const email = parseEmail(input.email, ["email"]);
      const name = parseName(input.name, ["name"]);
      if (!email.ok || !name.ok) return err(...errorsOf(email, name));
      return withEmailUniqueness(() =>
        unitOfWork.run(async (tx) => {
          if (await tx.users.getOneByEmail(email.value)) return err(userErrors.emailTaken());
          const user = newUser({ id: newId(), email: email.value, name: name.value, now: clock.now() });
          await tx.users.createOne(user);
          await tx.outbox.append([userEvent("user.created", user, newId())]);
          return ok(user);
        }),
      );
    },

    async updateOne(input: UpdateUserInput): Promise<Result<User>> {
      requireSignedIn(viewer, "update users");
      if (!canSeeUser(viewer, input.id)) return err(userErrors.notFound());
      const email = input.email == null ? undefined : parseEmail(input.email, ["email"]);
      const name = input.name == null ? undefined : parseName(input.name, ["name"]);
      if (email?.ok === false || name?.ok === false) return err(...errorsOf(email, name));
      return withEmailUniqueness(() =>
        unitOfWork.run(async (tx) => {
          const user = await tx.users.getOne(input.id);
          if (!user) return err(userErrors.notFound());
          if (input.expectedVersion != null && input.expectedVersion !== user.version) return err(userErrors.versionMismatch(user.version));
          // A deactivated customer can no longer change their account; an administrator still can.
          if (user.status === UserStatus.DEACTIVATED && viewer.kind === "customer") {
            return err(userErrors.cannotChangeDeactivated());
          }
          const next = changeUser(user, { email: email?.value, name: name?.value }, clock.now());
          if (!next) return ok(user);
          if (emailKey(next.email) !== emailKey(user.email)) {
            const holder = await tx.users.getOneByEmail(next.email);
            if (holder && holder.id !== user.id) return err(userErrors.emailTaken());
          }
          await tx.users.updateOne(next);
          await tx.outbox.append([userEvent("user.updated", next, newId())]);
          return ok(next);
        }),
      );
    },

    async deactivateOne(input: DeactivateUserInput): Promise<Result<User>> {
      requireAdmin(viewer, "deactivate users");
      return withVersionCheck(() =>
        unitOfWork.run(async (tx) => {
          const user = await tx.users.getOne(input.id);
          if (!user) return err(userErrors.notFound());
          if (input.expectedVersion != null && input.expectedVersion !== user.version) return err(userErrors.versionMismatch(user.version));
          const next = deactivate(user, clock.now());
          if (!next) return ok(user);
          await tx.users.updateOne(next);
          await tx.outbox.append([userEvent("user.deactivated", next, newId())]);
          return ok(next);
        }),
      );
    },
  };
}

async function withEmailUniqueness(work: () => Promise<Result<User>>): Promise<Result<User>> {
  try {
    return await withVersionCheck(work);
  } catch (error) {
    // A concurrent writer took the email between our check and our commit.
    if (error instanceof UniquenessViolationError && error.rule === "user.email") return err(userErrors.emailTaken());
    throw error;
  }
}

async function withVersionCheck<T>(work: () => Promise<Result<T>>): Promise<Result<T>> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ConcurrentUpdateError) {
      return err(userErrors.changedConcurrently());
    }
    throw error;
  }
}

const errorsOf = (...results: (Result<unknown> | undefined)[]): DomainError[] =>
  results.flatMap((result) => (result && !result.ok ? result.errors : []));

