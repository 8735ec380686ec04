// @ts-check
import js from "@eslint/js";
import react from "eslint-plugin-react";
import reactHooks from "eslint-plugin-react-hooks";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["build/", ".data/", "node_modules/", "test-results/", "bench/results/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.tsx"],
    plugins: { react, "react-hooks": reactHooks },
    settings: { react: { version: "18" } },
    rules: {
      ...react.configs.recommended.rules,
      ...react.configs["jsx-runtime"].rules,
      "react-hooks/rules-of-hooks": "error",
      "react-hooks/exhaustive-deps": "warn",
    },
  },
  {
    rules: {
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_" },
      ],
      "@typescript-eslint/consistent-type-imports": "error",
      // Code reads configuration through app/env.server.ts, parsed once at boot.
      "no-restricted-properties": [
        "error",
        { object: "process", property: "env", message: "Import `env` from app/env.server.ts." },
      ],
    },
  },
  {
    // Layers (docs/decisions/041): domain code under app/lib is used by the task bodies (app/jobs)
    // and the routes (app/routes), never the other way round. Import sources are matched as
    // written; app/lib has no folder of its own named jobs or routes.
    files: ["app/lib/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              regex: "(^|/)(jobs|routes)(/|$)",
              message:
                "app/lib imports neither app/jobs nor app/routes: move what both need into app/lib (docs/decisions/041).",
            },
          ],
        },
      ],
    },
  },
  {
    // Entry points, tooling, tests and the Shopify stand-in may read the raw environment.
    files: [
      "app/env.server.ts",
      "scripts/**",
      "tests/**",
      "bench/**",
      "*.config.ts",
      "vite.config.ts",
    ],
    rules: { "no-restricted-properties": "off" },
  },
);
