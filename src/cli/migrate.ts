import { migrateToLatest } from "../infra/mikro-orm/migrate.ts";
import { withDatabase } from "./with-database.ts";

await withDatabase(async (orm) => {
  const applied = await migrateToLatest(orm);
  console.log(applied.length ? `applied: ${applied.join(", ")}` : "no pending migrations");
});
