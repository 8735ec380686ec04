import { defineConfig } from "vitest/config";
import { e2eProject, integrationProject, unitProject } from "./tests/setup/projects.ts";

export default defineConfig({
  test: {
    // Tests talk to real processes and a real database; nothing here is timed.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    maxWorkers: 2,
    reporters: ["default", "./tests/setup/no-skipped-tests.ts"],
    // Snapshots (the guarded upsert's SQL) are written only by `-u`: a missing one fails.
    update: "none",
    // A skipped or focused test is a test that does not run: refuse both (the canary proves it).
    allowOnly: false,
    projects: [
      // Pure modules, tested beside their code, and the repository's conventions: nothing started.
      unitProject("unit", ["app/**/*.test.ts", "tests/repository/**/*.test.ts"]),
      {
        test: {
          name: "shopify-standin",
          include: ["tests/shopify-standin/**/*.test.ts"],
        },
      },
      integrationProject("integration", ["tests/integration/**/*.test.ts"]),
      e2eProject("e2e", ["tests/e2e/**/*.test.ts"], { build: true }),
    ],
  },
});
