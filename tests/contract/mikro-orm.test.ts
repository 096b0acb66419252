import { pino } from "pino";
import { afterAll, beforeAll } from "vitest";
import { createOutboxRelay } from "../../src/infra/events/outbox-relay.ts";
import { createMikroOrmEventLog } from "../../src/infra/mikro-orm/outbox-repository.ts";
import { createMikroOrmRepositories, createMikroOrmUnitOfWork } from "../../src/infra/mikro-orm/unit-of-work.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { describeEventLogContract } from "./event-log-contract.ts";
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

describeEventLogContract("MikroORM on PostgreSQL", () => ({
  log: createMikroOrmEventLog(db.orm.em),
  async record(events) {
    // The way events get there in production: a unit of work appends them, the relay numbers them.
    await createMikroOrmUnitOfWork(db.orm.em.fork()).run((tx) => tx.outbox.append(events));
    const relay = createOutboxRelay({ orm: db.orm, databaseUrl: db.url, logger: pino({ level: "silent" }), publish: async () => {} });
    while ((await relay.relayBatch()) > 0);
    const rows = await db.orm.em.fork().execute<{ id: string; position: string }[]>("select id, position from outbox_events");
    const positions = new Map(rows.map((row) => [row.id, Number(row.position)]));
    return events.map((event) => ({ ...event, position: positions.get(event.id) }));
  },
  reset: async () => {
    await db.orm.em.fork().execute("truncate outbox_events, outbox_dead_letters");
  },
}));
