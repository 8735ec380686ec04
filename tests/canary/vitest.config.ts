/**
 * The canary's own configuration (scripts/ci/canary.ts runs it; `npm test` never does): the files
 * of tests/canary/ through the same projects, global setup and per-file setup as the suite.
 */
import { defineConfig } from "vitest/config";
import { e2eProject, integrationProject, unitProject } from "../setup/projects.ts";

export default defineConfig({
  root: `${import.meta.dirname}/../..`,
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    maxWorkers: 2,
    reporters: ["default", "./tests/setup/no-skipped-tests.ts"],
    projects: [
      unitProject("canary-unit", ["tests/canary/unit-*.test.ts"]),
      integrationProject("canary-integration", ["tests/canary/integration-*.test.ts"]),
      e2eProject("canary-e2e", ["tests/canary/e2e-*.test.ts"]),
    ],
  },
});
