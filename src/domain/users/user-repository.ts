import type { Page, PageRequest, SortOrder } from "../shared/pagination.ts";
import type { User, UserStatus } from "./user.ts";

export type UserSortField = "CREATED_AT" | "NAME" | "EMAIL";

export interface UserFilter {
  /** Case-insensitive, literal substring of the name or the email. */
  readonly search?: string;
  readonly status?: UserStatus;
  /** Inclusive. */
  readonly createdAfter?: Date;
  /** Exclusive. */
  readonly createdBefore?: Date;
}

export interface UserPageQuery {
  readonly filter: UserFilter;
  readonly sort: SortOrder<UserSortField>;
  readonly page: PageRequest;
}

/** The users store, as the user service and the loaders use it. */
export interface UserRepository {
  getOne(id: string): Promise<User | null>;
  /** One entry per id, in the same order; `null` where no user has that id. */
  getMany(ids: readonly string[]): Promise<(User | null)[]>;
  /** Compares emails case-insensitively. */
  getOneByEmail(email: string): Promise<User | null>;
  getPage(query: UserPageQuery): Promise<Page<User>>;
  count(filter: UserFilter): Promise<number>;
  /** Throws `UniquenessViolationError("user.email")` when another user has the email. */
  createOne(user: User): Promise<void>;
  /**
   * Stores `next`, whose version is one more than the stored one. Throws
   * `ConcurrentUpdateError` when the stored version is no longer `next.version - 1`, and
   * `UniquenessViolationError("user.email")` when another user has the email.
   */
  updateOne(next: User): Promise<void>;
  /**
   * Reads a user and keeps it from changing until the surrounding unit of work ends, so a rule
   * checked against it (an active user places an order) still holds at commit.
   */
  getOneForShare(id: string): Promise<User | null>;
}
