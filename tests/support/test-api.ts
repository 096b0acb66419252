import { afterAll, beforeAll, beforeEach } from "vitest";
import type { Clock } from "../../src/domain/shared/clock.ts";
import { createTestApp, type TestApp } from "./test-app.ts";
import { createTestDatabase, type TestDatabase } from "./test-database.ts";

/**
 * A database of this test file's own and the app on it, set up before the file's tests and
 * dropped after them. Read `db` and `api` inside tests (they exist once `beforeAll` ran).
 */
export function useTestApi(options: { clock?: Clock; truncateBetweenTests?: boolean; seed?: (db: TestDatabase) => Promise<unknown> } = {}) {
  const subject = {} as { db: TestDatabase; api: TestApp };
  beforeAll(async () => {
    subject.db = await createTestDatabase();
    subject.api = createTestApp(subject.db, { clock: options.clock });
    await options.seed?.(subject.db);
  });
  afterAll(() => subject.db?.drop());
  if (options.truncateBetweenTests) beforeEach(() => subject.db.truncate());
  return subject;
}
