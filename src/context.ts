/**
 * The composition root: for each request (and later each subscription event) it forks the
 * EntityManager and wires repositories, services and loaders. Nothing here outlives a request.
 */
import type { MikroORM } from "@mikro-orm/postgresql";
import { createOrderService, type OrderService } from "./domain/orders/order-service.ts";
import type { Clock } from "./domain/shared/clock.ts";
import type { IdGenerator } from "./domain/shared/ids.ts";
import { createUserService, type UserService } from "./domain/users/user-service.ts";
import { createMikroOrmRepositories, createMikroOrmUnitOfWork } from "./infra/mikro-orm/unit-of-work.ts";
import { createLoaders, type Loaders } from "./loaders/index.ts";

export interface Context {
  /** Correlates the response (`x-request-id`) with the server's log lines. */
  readonly requestId: string;
  readonly services: { readonly users: UserService; readonly orders: OrderService };
  readonly loaders: Loaders;
}

export interface ContextDeps {
  readonly orm: MikroORM;
  readonly clock: Clock;
  readonly newId: IdGenerator;
}

export function createContextFactory({ orm, clock, newId }: ContextDeps) {
  return (requestId: string): Context => {
    const em = orm.em.fork();
    const repositories = createMikroOrmRepositories(em);
    const unitOfWork = createMikroOrmUnitOfWork(em);
    return {
      requestId,
      services: {
        users: createUserService({ users: repositories.users, unitOfWork, clock, newId }),
        orders: createOrderService({ orders: repositories.orders, unitOfWork, clock, newId }),
      },
      loaders: createLoaders(repositories),
    };
  };
}
