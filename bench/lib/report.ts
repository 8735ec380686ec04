/** Benchmark results: each figure next to its same-run baseline and its target. */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { PROJECT_ROOT } from "../../scripts/lib/embedded-postgres.ts";

export interface Figure {
  name: string;
  value: number;
  unit: string;
  baseline?: { name: string; value: number };
  target?: { text: string; met: boolean };
}

export interface BenchResult {
  benchmark: string;
  description: string;
  figures: Figure[];
  notes?: string[];
}

const RESULTS = path.join(PROJECT_ROOT, "bench", "results");

export async function saveResult(result: BenchResult): Promise<void> {
  await mkdir(RESULTS, { recursive: true });
  await writeFile(path.join(RESULTS, `${result.benchmark}.json`), JSON.stringify(result, null, 2));
  printResult(result);
}

export async function loadResult(benchmark: string): Promise<BenchResult | undefined> {
  try {
    return JSON.parse(
      await readFile(path.join(RESULTS, `${benchmark}.json`), "utf8"),
    ) as BenchResult;
  } catch {
    return undefined;
  }
}

const format = (value: number) =>
  value >= 100 ? Math.round(value).toLocaleString("en-US") : value.toFixed(value >= 10 ? 1 : 2);

export function printResult(result: BenchResult) {
  console.log(`\n${result.benchmark}: ${result.description}`);
  for (const figure of result.figures) {
    const baseline = figure.baseline
      ? `  (baseline ${figure.baseline.name}: ${format(figure.baseline.value)} ${figure.unit})`
      : "";
    const target = figure.target
      ? `  target ${figure.target.text}: ${figure.target.met ? "met" : "NOT met"}`
      : "";
    console.log(`  ${figure.name}: ${format(figure.value)} ${figure.unit}${baseline}${target}`);
  }
}

export function machine() {
  return {
    cpus: `${os.cpus().length} × ${os.cpus()[0]?.model ?? "unknown CPU"}`,
    memory: `${Math.round(os.totalmem() / 2 ** 30)} GiB`,
    node: process.version,
    os: `${os.type()} ${os.release()}`,
  };
}

export { format };
