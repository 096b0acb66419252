/**
 * Generates a migration from the difference between the entities and the committed snapshot
 * (`migrations/.snapshot.json`). Apply pending migrations first, so the database matches the
 * snapshot. Usage: npm run db:migration:create -- [name]
 */
import { withDatabase } from "./with-database.ts";

await withDatabase(async (orm) => {
  const name = process.argv[2];
  const result = await orm.migrator.create(undefined, false, false, name);
  console.log(result.fileName ? `created migrations/${result.fileName}` : "no changes: the entities match the latest migration");
});
