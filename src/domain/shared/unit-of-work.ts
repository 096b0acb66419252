import type { EventOutbox } from "../events/event-ports.ts";
import type { OrderRepository } from "../orders/order-repository.ts";
import type { UserRepository } from "../users/user-repository.ts";

export interface Repositories {
  readonly users: UserRepository;
  readonly orders: OrderRepository;
  /** Events appended here commit (or roll back) with the changes they describe. */
  readonly outbox: EventOutbox;
}

/**
 * Runs `work` in one transaction: everything it writes through the repositories it is given
 * commits together or not at all. A rejected promise rolls back and rejects with the same error.
 */
export interface UnitOfWork {
  run<T>(work: (repositories: Repositories) => Promise<T>): Promise<T>;
}
