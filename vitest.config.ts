import { createRequire } from "node:module";
import { configDefaults, defineConfig } from "vitest/config";

const require = createRequire(import.meta.url);

/** Tests that need nothing but Node: the unit tests, and the contracts run on the fakes. */
const UNIT_TESTS = ["tests/unit/**/*.test.ts", "tests/contract/in-memory.test.ts", "tests/contract/fake-event-bus.test.ts"];

// Both projects inherit everything here (inline projects extend the root config).
export default defineConfig({
  resolve: {
    // graphql 16 has no "exports": Node loads its CommonJS build for every package, while Vite
    // would pick the ESM one ("module") for our sources. One instance, or "another realm" errors.
    alias: [{ find: /^graphql$/, replacement: require.resolve("graphql") }],
  },
  test: {
    pool: "forks",
    // Each file gets its own database (cloned from a migrated template), so files run in parallel.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    teardownTimeout: 30_000,
    projects: [
      // `npm run test:unit`: no PostgreSQL, Redis or browser, so no global setup.
      { test: { name: "unit", include: UNIT_TESTS } },
      {
        test: {
          name: "services",
          include: ["tests/**/*.test.ts"],
          exclude: [...configDefaults.exclude, ...UNIT_TESTS],
          // Finds or starts PostgreSQL and migrates the template database every file clones;
          // checks for redis-server and Chromium. Runs only when a test of this project does.
          globalSetup: ["./tests/support/global-setup.ts"],
        },
      },
    ],
  },
});
