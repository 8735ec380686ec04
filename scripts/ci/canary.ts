/**
 * The canary: proves that the test command can fail. Runs the deliberately failing files of
 * tests/canary/ through the suite's own projects and global setup (tests/setup/projects.ts), one
 * case per run, and exits non-zero unless every case ends as it must:
 *
 * - a failing assertion (integration and e2e projects), a throwing hook and a skipped test each
 *   make the run exit non-zero;
 * - under CI=true, a file snapshot that does not exist fails the run and is not written (the
 *   guarded upsert's SQL snapshots rely on it), and the unit tier's control passes without a database;
 * - a program that starts the embedded PostgreSQL (as the chaos run, the benchmarks and the demo
 *   do) exits with the code it set;
 * - the passing control alone makes it exit 0 (the failures are the tests', not the setup's);
 * - after every run the embedded PostgreSQL is gone: no data directory left under .data/.
 *
 * .ci/run calls it; `npm run test:canary` runs it by hand.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync } from "node:fs";
import path from "node:path";
import { stripVTControlCharacters } from "node:util";

const ROOT = path.resolve(import.meta.dirname, "../..");
const VITEST = path.join(ROOT, "node_modules", "vitest", "vitest.mjs");
const CONFIG = path.join(ROOT, "tests", "canary", "vitest.config.ts");
mkdirSync(path.join(ROOT, ".data"), { recursive: true });

interface Case {
  name: string;
  /** Test files of tests/canary/ run through vitest, or a program run on its own. */
  files?: string[];
  program?: string;
  /** The exit code the run must end with (default: any non-zero code, or 0 when it passes). */
  exitCode?: number;
  /** Whether the run must exit 0. */
  passes: boolean;
  /** Text the run's output must contain (what proves it failed for the intended reason). */
  says: RegExp;
  /** Environment the run gets on top of this process's. */
  env?: Record<string, string>;
  /** A file (from the root) the run must not have created. */
  mustNotCreate?: string;
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
    name: "a program that starts the embedded PostgreSQL exits with its own exit code",
    program: "exit-code.ts",
    passes: false,
    exitCode: 3,
    says: /a failed check: exit code 3/,
  },
  {
    name: "under CI=true a missing file snapshot fails the run and is not written",
    files: ["unit-missing-snapshot", "unit-passes"],
    env: { CI: "true" },
    passes: false,
    says: /Snapshot `fails on purpose: a file snapshot that does not exist 1` mismatched/,
    mustNotCreate: "tests/canary/snapshots/never-written.sql",
  },
  {
    name: "the unit tier's passing control passes, with no database",
    files: ["unit-passes"],
    passes: true,
    says: /1 passed/,
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
  const args = c.program
    ? [path.join(ROOT, "tests", "canary", c.program)]
    : [
        VITEST,
        "run",
        "--config",
        CONFIG,
        ...(c.files ?? []).map((f) => `tests/canary/${f}.test.ts`),
      ];
  const run = spawnSync(process.execPath, args, {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0", ...c.env },
    // A run that never ends (a cluster holding its parent open) is as wrong as one that exits 0.
    timeout: 5 * 60_000,
  });
  const output = stripVTControlCharacters(`${run.stdout}\n${run.stderr}`);
  const problems = [
    run.status === null ? `it did not end by itself within 5 minutes (${run.signal})` : "",
    c.passes && run.status !== 0 ? `it exited ${run.status}, not 0` : "",
    !c.passes && run.status === 0 ? "it exited 0" : "",
    c.exitCode !== undefined && run.status !== c.exitCode
      ? `it exited ${run.status}, not ${c.exitCode}`
      : "",
    c.says.test(output) ? "" : `its output does not say ${c.says}`,
    c.mustNotCreate && existsSync(path.join(ROOT, c.mustNotCreate))
      ? `it wrote ${c.mustNotCreate}`
      : "",
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
