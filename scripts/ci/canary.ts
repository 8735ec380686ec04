/**
 * The canary: proves that the test command can fail. Runs the deliberately failing files of
 * tests/canary/ through the suite's own projects and global setup (tests/setup/projects.ts), one
 * case per run, and exits non-zero unless every case ends as it must:
 *
 * - a failing assertion (integration and e2e projects), a throwing hook and a skipped test each
 *   make the run exit non-zero;
 * - the passing control alone makes it exit 0 (the failures are the tests', not the setup's);
 * - after every run the embedded PostgreSQL is gone: no data directory left under .data/.
 *
 * .ci/run calls it; `npm run test:canary` runs it by hand.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync } from "node:fs";
import path from "node:path";
import { stripVTControlCharacters } from "node:util";

const ROOT = path.resolve(import.meta.dirname, "../..");
const VITEST = path.join(ROOT, "node_modules", "vitest", "vitest.mjs");
const CONFIG = path.join(ROOT, "tests", "canary", "vitest.config.ts");
mkdirSync(path.join(ROOT, ".data"), { recursive: true });

interface Case {
  name: string;
  files: string[];
  /** Whether the run must exit 0. */
  passes: boolean;
  /** Text the run's output must contain (what proves it failed for the intended reason). */
  says: RegExp;
}

const CASES: Case[] = [
  {
    name: "a failing assertion next to a passing file fails the run",
    files: ["integration-assertion", "integration-passes"],
    passes: false,
    says: /fails on purpose: an assertion that does not hold/,
  },
  {
    name: "a throwing beforeAll fails the run",
    files: ["integration-hook"],
    passes: false,
    says: /fails on purpose: a hook that throws/,
  },
  {
    name: "a skipped test fails the run",
    files: ["integration-skipped", "integration-passes"],
    passes: false,
    says: /1 test\(s\) did not run/,
  },
  {
    name: "a failing assertion in the e2e project fails the run",
    files: ["e2e-assertion"],
    passes: false,
    says: /expected 'passed' to be 'failed'/,
  },
  {
    name: "the passing control alone passes",
    files: ["integration-passes"],
    passes: true,
    says: /1 passed/,
  },
];

/** Data directories of the run's embedded PostgreSQL (tests/setup/global-database.ts names them). */
const leftovers = (pid: number | undefined) =>
  readdirSync(path.join(ROOT, ".data"), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && entry.name.startsWith(`test-${pid}_`))
    .map((entry) => entry.name);

const wrong: string[] = [];
for (const c of CASES) {
  const started = Date.now();
  const run = spawnSync(
    process.execPath,
    [VITEST, "run", "--config", CONFIG, ...c.files.map((f) => `tests/canary/${f}.test.ts`)],
    { cwd: ROOT, encoding: "utf8", env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" } },
  );
  const output = stripVTControlCharacters(`${run.stdout}\n${run.stderr}`);
  const problems = [
    run.status === null ? `it was killed (${run.signal})` : "",
    c.passes && run.status !== 0 ? `it exited ${run.status}, not 0` : "",
    !c.passes && run.status === 0 ? "it exited 0" : "",
    c.says.test(output) ? "" : `its output does not say ${c.says}`,
    ...leftovers(run.pid).map(
      (dir) => `it left the embedded PostgreSQL's data directory .data/${dir}`,
    ),
  ].filter(Boolean);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (problems.length === 0) {
    console.log(`canary ok: ${c.name} (exit ${run.status}, ${seconds} s)`);
  } else {
    wrong.push(c.name);
    console.error(`canary WRONG: ${c.name}: ${problems.join("; ")}\n${output}`);
  }
}
if (wrong.length > 0) {
  console.error(
    `\nThe canary found ${wrong.length} case(s) where the test command cannot be trusted.`,
  );
  process.exit(1);
}
console.log(`\nThe canary: ${CASES.length} of ${CASES.length} cases ended as they must.`);
