/**
 * The vitest projects that run against the real database, as functions of where their files are:
 * vitest.config.ts uses them for the suite, tests/canary/vitest.config.ts for the canary, so the
 * canary goes through exactly the global setup and per-file setup the suite does.
 */
import type { TestProjectInlineConfiguration } from "vitest/config";

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

/** The built app and the worker as real processes, driven through headless Chromium. */
export function e2eProject(name: string, include: string[]): TestProjectInlineConfiguration {
  return { test: { name, include, ...setup, testTimeout: 150_000 } };
}
