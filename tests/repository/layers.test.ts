/**
 * The layer rule (docs/decisions/041) is a lint rule that fires: the repository's own ESLint
 * configuration, asked about a module of app/lib that imports the job or route layer, reports it;
 * the same import from a task body is allowed. And no module of app/lib imports either layer today.
 * Runs ESLint in this process; starts nothing.
 */
import path from "node:path";
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "../..");
const eslint = new ESLint({ cwd: ROOT });

async function restrictedImports(file: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath: path.join(ROOT, file) });
  return result!.messages
    .filter((message) => message.ruleId === "no-restricted-imports")
    .map((message) => message.message);
}

describe("app/lib imports neither app/jobs nor app/routes", () => {
  it.each([
    [
      "app/lib/sync/example.server.ts",
      'import { taskList } from "../../jobs/task-list.server.ts";',
    ],
    [
      "app/lib/db/guarded-upsert/example.ts",
      'import "../../../jobs/tasks/orders-create-updated.server.ts";',
    ],
    ["app/lib/admin/example.server.ts", 'export { loader } from "../../routes/app._index.tsx";'],
    [
      "app/lib/example.server.ts",
      'import type { TaskContext } from "../jobs/define-task.server.ts";',
    ],
  ])("%s: `%s` is an error", async (file, source) => {
    const messages = await restrictedImports(file, `${source}\nexport const x = 1;\n`);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain("app/lib imports neither app/jobs nor app/routes");
  });

  it("allows app/lib's own modules, and app/jobs to import app/lib", async () => {
    expect(
      await restrictedImports(
        "app/lib/rfm/example.server.ts",
        'import { enqueueShopScoring } from "./jobs.server.ts";\nimport { enqueueJob } from "../queue/enqueue.server.ts";\nexport { enqueueJob, enqueueShopScoring };\n',
      ),
    ).toEqual([]);
    expect(
      await restrictedImports(
        "app/jobs/tasks/example.server.ts",
        'import { enqueueJob } from "../../lib/queue/enqueue.server.ts";\nexport { enqueueJob };\n',
      ),
    ).toEqual([]);
  });

  it("holds for every module of app/lib", async () => {
    const results = await eslint.lintFiles(["app/lib/"]);
    const offending = results.flatMap((result) =>
      result.messages
        .filter((message) => message.ruleId === "no-restricted-imports")
        .map((message) => `${path.relative(ROOT, result.filePath)}:${message.line}`),
    );
    expect(results.length).toBeGreaterThan(50);
    expect(offending).toEqual([]);
  });
});
