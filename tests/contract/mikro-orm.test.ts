import { afterAll, beforeAll } from "vitest";
import { createMikroOrmRepositories, createMikroOrmUnitOfWork } from "../../src/infra/mikro-orm/unit-of-work.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { describeRepositoryContract } from "./repository-contract.ts";

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

describeRepositoryContract("MikroORM on PostgreSQL", () => ({
  repositories: () => createMikroOrmRepositories(db.orm.em.fork()),
  unitOfWork: createMikroOrmUnitOfWork(db.orm.em.fork()),
  reset: () => db.truncate(),
}));
