/**
 * The suite's vitest projects, as functions of where their files are: vitest.config.ts uses them
 * for the suite, tests/canary/vitest.config.ts for the canary, so the canary goes through exactly
 * the global setup and per-file setup the suite does.
 *
 * Two tiers: unit tests of pure modules, beside the code (`*.test.ts` files under app/), start nothing;
 * integration and e2e tests run against a real PostgreSQL and the Shopify stand-in.
 */
import type { TestProjectInlineConfiguration } from "vitest/config";

/**
 * The unit tier: no global setup, no per-file setup, so no PostgreSQL and no stand-in. The
 * environment is the test one (app/env.server.ts parses it on import) with a database address where
 * nothing listens: a unit test that reaches for the database fails instead of finding one.
 */
export function unitProject(name: string, include: string[]): TestProjectInlineConfiguration {
  return {
    test: {
      name,
      include,
      env: {
        NODE_ENV: "test",
        SHOPIFY_API_KEY: "recur-unit-api-key",
        SHOPIFY_API_SECRET: "recur-unit-api-secret",
        DATABASE_URL: UNIT_DATABASE_URL,
      },
    },
  };
}

/** Port 9 (discard) on loopback: refused at once, so nothing waits on it. */
export const UNIT_DATABASE_URL = "postgres://unit-tier@127.0.0.1:9/no-database";

const setup = {
  globalSetup: ["tests/setup/global-database.ts"],
  setupFiles: ["tests/setup/database-per-file.ts", "tests/setup/standin-per-file.ts"],
};

/** Real PostgreSQL (a database per file from a migrated template) and a Shopify stand-in. */
export function integrationProject(
  name: string,
  include: string[],
): TestProjectInlineConfiguration {
  return { test: { name, include, ...setup } };
}

/**
 * The built app and the worker as real processes, driven through headless Chromium. `build`: the
 * app is built in the project's global setup (tests/setup/global-build.ts), before any file starts.
 */
export function e2eProject(
  name: string,
  include: string[],
  { build = false }: { build?: boolean } = {},
): TestProjectInlineConfiguration {
  return {
    test: {
      name,
      include,
      ...setup,
      globalSetup: [...setup.globalSetup, ...(build ? ["tests/setup/global-build.ts"] : [])],
      testTimeout: 150_000,
      // `expect.poll` waits for a page to reach a state; its default of 1 s is a guess about the
      // machine's speed that a loaded machine breaks. It still fails when the state never comes.
      expect: { poll: { timeout: 20_000, interval: 100 } },
    },
  };
}
