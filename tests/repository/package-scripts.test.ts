/**
 * The npm scripts a Shopify developer expects: Shopify's Remix template has one script per Shopify
 * CLI command, and the README and shopify.app.toml tell the reader to run them
 * (docs/decisions/023). Reads the repository's files; starts nothing.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "../..");
const read = (file: string) => readFileSync(path.join(ROOT, file), "utf8");
const pkg = JSON.parse(read("package.json")) as {
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

describe("package scripts", () => {
  it("mirror Shopify CLI's app commands one to one, as Shopify's template does", () => {
    expect(pkg.scripts).toMatchObject({
      dev: "shopify app dev",
      "config:link": "shopify app config link",
      "config:use": "shopify app config use",
      generate: "shopify app generate",
      deploy: "shopify app deploy",
      env: "shopify app env",
      shopify: "shopify",
    });
  });

  it("leave Shopify CLI out of npm ci: it is a global install", () => {
    expect(pkg.dependencies["@shopify/cli"]).toBeUndefined();
    expect(pkg.devDependencies["@shopify/cli"]).toBeUndefined();
    expect(read("README.md")).toContain("npm install -g @shopify/cli");
  });

  it.each(["README.md", "shopify.app.toml", "docs/operations.md"])(
    "include every `npm run <script>` that %s names",
    (file) => {
      const named = [...read(file).matchAll(/npm run ([a-z][\w:-]*)/g)].map((match) => match[1]!);
      expect(named.length).toBeGreaterThan(0);
      expect(named.filter((script) => !(script in pkg.scripts))).toEqual([]);
    },
  );
});
