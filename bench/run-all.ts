/**
 * `npm run bench`: runs every benchmark (each in a process of its own, one after another) and
 * writes docs/benchmarks.md from their results. `npm run bench -- intake processing` runs some.
 */
import { spawnSync } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import * as prettier from "prettier";
import { PROJECT_ROOT } from "../scripts/lib/embedded-postgres.ts";
import { format, loadResult, machine, type BenchResult } from "./lib/report.ts";

const ALL = [
  "intake",
  "processing",
  "bulk-ingest",
  "full-sync",
  "two-shop-syncs",
  "admin-lists",
  "healthz",
];
/**
 * Too long for a default run on these machines, reported from their last run when there is one:
 * `npm run bench -- rfm rfm-incremental`.
 */
const ON_REQUEST = ["rfm", "rfm-incremental"];
const chosen = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ALL;

for (const name of chosen) {
  console.log(`\n=== ${name}`);
  const result = spawnSync(process.execPath, [path.join(PROJECT_ROOT, "bench", `${name}.ts`)], {
    stdio: "inherit",
    cwd: PROJECT_ROOT,
  });
  if (result.status !== 0) {
    console.error(`${name} failed (exit ${result.status})`);
    process.exitCode = 1;
  }
}

// Figures measured by hand (runs at other commits, long benchmarks with their own command) sit
// below this line in docs/benchmarks.md, and are kept as they are.
const KEPT = "<!-- Kept by npm run bench: measured by hand, below this line. -->";
const file = path.join(PROJECT_ROOT, "docs", "benchmarks.md");
const previous = await readFile(file, "utf8").catch(() => "");
const generated = previous.includes(KEPT) ? previous.slice(0, previous.indexOf(KEPT)) : previous;
/** The previous file's section of each benchmark, kept when this checkout has no result of it. */
const previousSections = new Map(
  generated
    .split(/^(?=## )/m)
    .filter((section) => section.startsWith("## "))
    .map((section) => [section.slice(3, section.indexOf("\n")).trim(), section.trimEnd()]),
);
const m = machine();
const lines = [
  "# Benchmarks",
  "",
  "Written by `npm run bench` (bench/run-all.ts); each benchmark is a script in bench/ that measures",
  "Recur next to a baseline in the same run, because these machines are shared and noisy. Figures are",
  "from the last run of each benchmark; rerun to refresh. A benchmark without a result in this",
  "checkout's bench/results keeps its section as it was.",
  "",
  `Machine: ${m.cpus}, ${m.memory}, ${m.os}, Node ${m.node}. Written ${new Date().toISOString().slice(0, 10)}.`,
  "",
];
for (const name of [...ALL, ...ON_REQUEST]) {
  const result = await loadResult(name);
  if (!result) {
    const kept = previousSections.get(name);
    if (kept) lines.push(kept, "");
    continue;
  }
  lines.push(...section(result));
}
if (previous.includes(KEPT)) lines.push(previous.slice(previous.indexOf(KEPT)));
// Formatted as the rest of the repository is (the lint step checks it).
const options = await prettier.resolveConfig(file);
await writeFile(file, await prettier.format(lines.join("\n"), { ...options, filepath: file }));
console.log("\nwrote docs/benchmarks.md");

function section(result: BenchResult): string[] {
  const lines = [`## ${result.benchmark}`, "", result.description, ""];
  lines.push(
    "| figure | Recur | baseline (same run) | target | met |",
    "| --- | --- | --- | --- | --- |",
  );
  for (const figure of result.figures) {
    const baseline = figure.baseline
      ? `${format(figure.baseline.value)} ${figure.unit} (${figure.baseline.name})`
      : "";
    lines.push(
      `| ${figure.name} | ${format(figure.value)} ${figure.unit} | ${baseline} | ${figure.target?.text ?? ""} | ${figure.target ? (figure.target.met ? "yes" : "**no**") : ""} |`,
    );
  }
  if (result.notes?.length) lines.push("", ...result.notes.map((note) => `- ${note}`));
  lines.push("");
  return lines;
}
