/**
 * A full sync end to end: a shop of 100,000 customers and 300,000 orders in the Shopify stand-in,
 * Recur's real processes (the built app with server.ts for the finish webhooks, and worker.ts), from
 * queueing the sync to both runs completed. The baselines, in the same run: PostgreSQL's COPY of
 * the rows Recur stored (as COPY text made from the same result files, before the COPY's clock
 * starts, into empty tables shaped like Recur's), and downloading both result files. The stand-in
 * completes bulk operations at once (its simulated progress is not Recur's time). Checked against
 * the store's ground truth at the end. Target (issues 5 and 16): under 60 seconds.
 */
import { loadavg } from "node:os";
import path from "node:path";
import { startChild, waitForHttp } from "../scripts/lib/stack.ts";
import { PROJECT_ROOT } from "../scripts/lib/embedded-postgres.ts";
import { compareWithGroundTruth } from "../tests/support/ground-truth.ts";
import { productionEnv } from "./lib/app-env.ts";
import {
  fullSyncOperations,
  fullSyncRuns,
  readSyncRuns,
  startSyncStack,
  syncRunNotes,
} from "./lib/sync-stack.ts";
import { installSeededShop } from "./lib/installed-shop.ts";
import { peakRssMb } from "./lib/processes.ts";
import { saveResult } from "./lib/report.ts";
import { sampleWaitEvents } from "./lib/wait-events.ts";

const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 100_000);
const ORDERS = Number(process.env.BENCH_ORDERS ?? 300_000);

const { database, db, appUrl, standIn, env: seamEnv } = await startSyncStack("full-sync");
const web = startChild({ name: "web", args: ["server.ts"], env: seamEnv, onLine: () => {} });
// BENCH_WORKER_NODE_OPTIONS reaches the worker alone (e.g. "--cpu-prof --heap-prof" to profile it).
const workerEnv = { ...seamEnv, NODE_OPTIONS: process.env.BENCH_WORKER_NODE_OPTIONS ?? "" };
const ingested: Record<string, unknown>[] = [];
const worker = startChild({
  name: "worker",
  args: ["worker.ts"],
  env: workerEnv,
  onLine: (line) => {
    if (!line.includes("bulk result ingested")) return;
    try {
      ingested.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // Not a JSON log line.
    }
  },
});
const load = () =>
  loadavg()
    .map((n) => n.toFixed(1))
    .join(", ");
const loadAtStart = load();
try {
  const { domain, id: shopId } = await installSeededShop(db, standIn, {
    shop: "bench",
    customers: CUSTOMERS,
    orders: ORDERS,
  });
  await waitForHttp(`${appUrl}/healthz`);

  const started = performance.now();
  const startedAt = Date.now();
  const waits = sampleWaitEvents(database.url);
  await db.query(
    `SELECT graphile_worker.add_job('sync.start', json_build_object('shopId', $1::int, 'kind', 'full', 'entity', e))
     FROM unnest(ARRAY['customers', 'orders']) AS e`,
    [shopId],
  );
  let fullRuns = await fullSyncRuns(db, shopId);
  while (!(fullRuns.length === 2 && fullRuns.every((run) => run.status === "completed"))) {
    if (fullRuns.some((run) => run.status === "failed" || run.status === "canceled"))
      throw new Error(`A sync run failed: ${JSON.stringify(fullRuns)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    fullRuns = await fullSyncRuns(db, shopId);
  }
  const syncMs = performance.now() - started;
  const operations = fullSyncOperations(standIn, domain, fullRuns);
  const waitNotes = (await waits?.stop()) ?? [];
  const workerPeak = peakRssMb(worker.process.pid!);
  const loadAfterSync = load();

  // The baseline: fetching both result files from Shopify's side.
  const downloadStarted = performance.now();
  let bytes = 0;
  for (const operation of operations) {
    const reader = (await fetch(operation.url!)).body!.getReader();
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      bytes += chunk.value.byteLength;
    }
  }
  const downloadMs = performance.now() - downloadStarted;

  const runs = await readSyncRuns(db, shopId);
  const comparison = await compareWithGroundTruth(db, domain, standIn.groundTruth(domain));
  if (!comparison.equal)
    throw new Error(`Recur differs from the store: ${comparison.differences.join("; ")}`);

  // The COPY baseline: the same rows, as COPY text made from the same result files (not timed),
  // with Recur's own record parsers (which read the environment when imported).
  Object.assign(process.env, productionEnv, { DATABASE_URL: database.url });
  const { copyIntoLikeTables, toTsv, urlLines } = await import("./lib/copy-baseline.ts");
  const tsvs = [];
  for (const operation of operations) {
    const entity = operation.query.includes("customers") ? "customers" : "orders";
    const prefix = path.join(PROJECT_ROOT, ".data", `full-sync-${process.pid}-${entity}.`);
    tsvs.push(await toTsv(await urlLines(operation.url!), prefix, operation.createdAt, shopId));
  }
  const copy = await copyIntoLikeTables(database.url, tsvs);

  await saveResult({
    benchmark: "full-sync",
    description: `full sync of a ${CUSTOMERS.toLocaleString("en-US")}-customer, ${ORDERS.toLocaleString("en-US")}-order shop through the stand-in (web + worker processes)`,
    figures: [
      {
        name: "time from queueing the sync to both runs completed",
        value: syncMs / 1000,
        unit: "s",
        baseline: { name: "PostgreSQL COPY of the same rows", value: copy.ms / 1000 },
        target: { text: "< 60 s", met: syncMs < 60_000 },
      },
      { name: "ratio to COPY (COPY's time / the sync's)", value: copy.ms / syncMs, unit: "×" },
      {
        name: "downloading both result files (the floor Shopify's side sets)",
        value: downloadMs / 1000,
        unit: "s",
      },
      { name: "peak RSS of the worker process", value: workerPeak, unit: "MB" },
    ],
    notes: [
      ...syncRunNotes(runs, ingested),
      // When each ingest began, from its log line's time less its stage and apply.
      ...ingested.map(
        (entry) =>
          `${String(entry.entity)} ingest began ${((Number(entry.time) - Number(entry.stageMs) - Number(entry.applyMs) - startedAt) / 1000).toFixed(1)} s after the sync was queued`,
      ),
      `result files: ${(bytes / 2 ** 20).toFixed(0)} MB; Recur equals the store (${comparison.counts.customers} customers, ${comparison.counts.orders} orders, ${comparison.counts.lineItems} line items)`,
      `COPY of ${copy.rows} rows: ${Math.round(copy.ms)} ms`,
      `load average (1, 5, 15 min): ${loadAtStart} at the start, ${loadAfterSync} when the sync ended, ${load()} at the end`,
      ...waitNotes,
    ],
  });
} finally {
  await Promise.allSettled([web.stop(), worker.stop()]);
  await standIn.close();
  await db.end();
  await database.stop();
}
