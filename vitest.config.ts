import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // Tests talk to real processes and a real database; nothing here is timed.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    maxWorkers: 2,
    projects: [
      {
        test: {
          name: "shopify-standin",
          include: ["tests/shopify-standin/**/*.test.ts"],
        },
      },
      {
        test: {
          name: "integration",
          include: ["tests/integration/**/*.test.ts"],
          globalSetup: ["tests/setup/global-database.ts"],
          setupFiles: ["tests/setup/database-per-file.ts", "tests/setup/standin-per-file.ts"],
        },
      },
      {
        // The built app and the worker as real processes, driven through headless Chromium.
        test: {
          name: "e2e",
          include: ["tests/e2e/**/*.test.ts"],
          globalSetup: ["tests/setup/global-database.ts"],
          setupFiles: ["tests/setup/database-per-file.ts", "tests/setup/standin-per-file.ts"],
          testTimeout: 150_000,
        },
      },
    ],
  },
});
