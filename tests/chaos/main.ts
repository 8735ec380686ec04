/**
 * `npm run test:chaos [-- --size small] [-- --seed N]`: the chaos run (docs/operations.md).
 *
 * Recur's real processes (the built app with server.ts behind a round-robin proxy, and worker.ts)
 * and the Shopify stand-in as its own process, on a PostgreSQL of the run's own. Two shops are
 * installed and fully synced, then a stream of changes arrives with duplicated, reordered,
 * dropped and poison deliveries while workers, a web process and PostgreSQL are killed. At the
 * end Recur's copy must equal the store, and every delivery must have a known fate. Prints a
 * summary and exits non-zero on any failed check. The seed is printed; --seed reruns it.
 */
import { HELP, parseOptions } from "./options.ts";
import { runChaos, type RunReport } from "./run.ts";

const started = Date.now();
const say = (message: string) =>
  process.stdout.write(
    `[chaos ${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s] ${message}\n`,
  );

function table(rows: [string, string | number][]): string {
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`).join("\n");
}

function summary(report: RunReport): string {
  const { options } = report;
  const seconds = (ms: number | undefined) =>
    ms === undefined ? "-" : `${(ms / 1000).toFixed(1)} s`;
  const rows: [string, string | number][] = [
    [
      "seed",
      `${options.seed} (rerun: npm run test:chaos -- --size ${options.size} --seed ${options.seed})`,
    ],
    [
      "size",
      `${options.size}: ${options.web} web + ${options.workers} workers, 2 shops × ${options.customers} customers / ${options.orders} orders`,
    ],
    [
      "changes in the stream",
      `${Object.values(report.changes).reduce((a, b) => a + b, 0)} (${Object.entries(report.changes)
        .map(([k, n]) => `${n} ${k}`)
        .join(", ")})`,
    ],
    ...Object.entries(report.figures),
  ];
  const kills = report.outcomes.map((o): [string, string] => [
    `  ${o.kind} ${o.target} at ${seconds(o.startedAfterMs)}`,
    o.error
      ? `FAILED: ${o.error}`
      : `down ${o.downMs} ms; back after ${seconds(o.backMs)}, recovered after ${seconds(o.recoveredMs)}; ${o.heldAtKill}; ${o.note}`,
  ]);
  const t = report.timings;
  const timings: [string, string][] = [
    ["processes up", seconds(t["processes up"])],
    ["install + full syncs done", seconds(t["full sync done"])],
    ["stream emitted", seconds(t["stream emitted"])],
    ["kills done", seconds(t["kills done"])],
    ["stand-in deliveries ended", seconds(t["deliveries ended"])],
    ["queue drained", seconds(t["queue drained"])],
    ["reconciled", seconds(t["reconciled"])],
  ];
  return [
    "Summary",
    table(rows),
    "Kills (at: time since the stream began)",
    table(kills),
    "Timeline (since the run began)",
    table(timings),
  ].join("\n");
}

const parsed = (() => {
  try {
    return parseOptions(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${HELP}`);
    process.exit(2);
  }
})();
if (parsed === "help") {
  process.stdout.write(HELP);
  process.exit(0);
}
const options = parsed;

const controller = new AbortController();
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    say(`${signal}: stopping`);
    controller.abort();
  });
}

say(`seed ${options.seed}, size ${options.size}`);
let report: RunReport | undefined;
let error: unknown;
try {
  report = await runChaos(options, say, controller.signal);
} catch (caught) {
  error = caught;
}

if (report && !error) process.stdout.write(`\n${summary(report)}\n\n`);
const checks = report?.checks ?? [];
const failedChecks = checks.filter((c) => !c.ok);
if (error) {
  process.stdout.write(
    `\nThe run stopped: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
}
if (failedChecks.length > 0) {
  process.stdout.write(
    `Failed checks:\n${failedChecks.map((c) => `  ${c.name}: ${c.detail}`).join("\n")}\n`,
  );
}
if (error || failedChecks.length > 0) {
  process.stdout.write(
    `Logs: .data/chaos-${process.pid}/logs/ · rerun: npm run test:chaos -- --size ${options.size} --seed ${options.seed}\n`,
  );
}
process.stdout.write(
  `chaos: ${checks.length - failedChecks.length} passed, ${failedChecks.length + (error ? 1 : 0)} failed\n`,
);
process.exit(error || failedChecks.length > 0 ? 1 : 0);
