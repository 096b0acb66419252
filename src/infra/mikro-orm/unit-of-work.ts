import {
  ForeignKeyConstraintViolationException,
  OptimisticLockError,
  UniqueConstraintViolationException,
  type EntityManager,
} from "@mikro-orm/postgresql";
import { ConcurrentUpdateError, MissingReferenceError, UniquenessViolationError } from "../../domain/shared/persistence-errors.ts";
import type { RequestMetadata } from "../../domain/shared/request-metadata.ts";
import type { Repositories, UnitOfWork } from "../../domain/shared/unit-of-work.ts";
import { createMikroOrmOrderRepository } from "./order-repository.ts";
import { createMikroOrmOutbox } from "./outbox-repository.ts";
import { primaryReads, type Reads } from "./read-routing.ts";
import { createMikroOrmUserRepository } from "./user-repository.ts";

/** The repositories on `em`; their reads outside a transaction run where `reads` sends them (default: the primary). */
export const createMikroOrmRepositories = (em: EntityManager, metadata: RequestMetadata = {}, reads: Reads = primaryReads(em)): Repositories => ({
  users: createMikroOrmUserRepository(em, reads),
  orders: createMikroOrmOrderRepository(em, reads),
  outbox: createMikroOrmOutbox(em, metadata),
});

/** Each `run` is one PostgreSQL transaction on its own fork of `em`. */
export function createMikroOrmUnitOfWork(em: EntityManager, metadata: RequestMetadata = {}): UnitOfWork {
  return {
    async run(work) {
      try {
        return await em.fork().transactional((tx) => work(createMikroOrmRepositories(tx, metadata)));
      } catch (error) {
        throw inDomainTerms(error);
      }
    },
  };
}

const UNIQUE_RULES = {
  idx_users_lower_email: "user.email",
  order_idempotency_keys_pkey: "order.idempotencyKey",
} as const;

const REFERENCES: Record<string, string> = {
  fk_orders_users: "user",
  fk_order_idempotency_keys_users: "user",
  fk_order_idempotency_keys_orders: "order",
};

/** Translates the database's errors that services expect into the domain's; others pass through. */
function inDomainTerms(error: unknown): unknown {
  if (error instanceof OptimisticLockError) {
    const entity = error.entity as { id?: string; constructor: { name: string } } | undefined;
    return new ConcurrentUpdateError(entity?.constructor.name ?? "entity", entity?.id ?? "?");
  }
  const constraint = (error as { constraint?: string }).constraint;
  if (error instanceof UniqueConstraintViolationException && constraint && constraint in UNIQUE_RULES) {
    return new UniquenessViolationError(UNIQUE_RULES[constraint as keyof typeof UNIQUE_RULES], { cause: error });
  }
  if (error instanceof ForeignKeyConstraintViolationException && constraint && REFERENCES[constraint]) {
    return new MissingReferenceError(REFERENCES[constraint], { cause: error });
  }
  return error;
}
