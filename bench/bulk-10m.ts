/**
 * The 10-million-line sync (issue 16): a shop of 1,000,000 customers and 3,000,000 orders in the
 * Shopify stand-in (about 10 million JSONL lines with their line items), synced in full by Recur's
 * real processes, the worker under its own heap cap (app/worker-heap.server.ts: worker.ts
 * re-executes itself under it, as in production; decision 070). Reports the time from queueing the
 * sync to both runs completed, the rows, the worker's peak RSS (target < 350 MB), and the sync's
 * time as a ratio to PostgreSQL's COPY of the same rows in the same run (the rows Recur stored,
 * made into COPY text from the same result files before the COPY's clock starts).
 *
 * Too long for `npm run bench`: `npm run bench:10m` (BENCH_CUSTOMERS / BENCH_ORDERS for other
 * sizes). The result files and COPY text are several GB, under .data/, deleted at the end.
 */
import { mkdir, rm } from "node:fs/promises";
import { loadavg } from "node:os";
import path from "node:path";
import { startChild, waitForHttp } from "../scripts/lib/stack.ts";
import { PROJECT_ROOT } from "../scripts/lib/embedded-postgres.ts";
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
import { WORKER_HEAP_FLAGS } from "../app/worker-heap.server.ts";
import { saveResult } from "./lib/report.ts";

const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 1_000_000);
const ORDERS = Number(process.env.BENCH_ORDERS ?? 3_000_000);
const load = () =>
  loadavg()
    .map((n) => n.toFixed(1))
    .join(", ");
const log = (message: string) =>
  console.log(`${new Date().toISOString().slice(11, 19)} ${message} (load ${load()})`);

const loadAtStart = load();
const { database, db, appUrl, standIn, env: seamEnv } = await startSyncStack("bulk-10m");
const ingested: Record<string, unknown>[] = [];
const web = startChild({
  name: "web",
  args: ["server.ts"],
  env: { ...seamEnv, NODE_OPTIONS: "" },
  onLine: () => {},
});
const worker = startChild({
  name: "worker",
  args: ["worker.ts"],
  // No heap option: worker.ts puts itself under WORKER_HEAP_FLAGS, as in production.
  env: { ...seamEnv, NODE_OPTIONS: "" },
  onLine: (line) => {
    if (!line.includes("bulk result ingested")) return;
    try {
      ingested.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // Not a JSON log line.
    }
  },
});
const scratch = path.join(PROJECT_ROOT, ".data", `bench-10m-${process.pid}`);
try {
  log(`seeding ${CUSTOMERS} customers and ${ORDERS} orders in the stand-in`);
  const { domain, id: shopId } = await installSeededShop(db, standIn, {
    shop: "bench-10m",
    customers: CUSTOMERS,
    orders: ORDERS,
  });
  await waitForHttp(`${appUrl}/healthz`);
  log("seeded; queueing the full sync");

  const started = performance.now();
  await db.query(
    `SELECT graphile_worker.add_job('sync.start', json_build_object('shopId', $1::int, 'kind', 'full', 'entity', e))
     FROM unnest(ARRAY['customers', 'orders']) AS e`,
    [shopId],
  );
  let lastReport = 0;
  for (;;) {
    if (worker.process.exitCode !== null) throw new Error("The worker exited during the sync");
    const runs = await fullSyncRuns(db, shopId);
    if (runs.some((run) => run.status === "failed" || run.status === "canceled"))
      throw new Error(`A sync run failed: ${JSON.stringify(runs)}`);
    if (runs.length === 2 && runs.every((run) => run.status === "completed")) break;
    if (performance.now() - lastReport > 30_000) {
      lastReport = performance.now();
      log(
        `${Math.round((lastReport - started) / 1000)} s: ${runs.map((r) => `${r.entity} ${r.status} ${r.written}`).join(", ")}; worker peak RSS ${Math.round(peakRssMb(worker.process.pid!))} MB`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const syncMs = performance.now() - started;
  const operations = fullSyncOperations(standIn, domain, await fullSyncRuns(db, shopId));
  const workerPeak = peakRssMb(worker.process.pid!);
  const loadAfterSync = load();
  log(`synced in ${Math.round(syncMs / 1000)} s; worker peak RSS ${Math.round(workerPeak)} MB`);

  // Rows against the store: counts and sums over every row (a field-by-field comparison of ten
  // million rows would hold them all in this process).
  const shop = standIn.entry(domain).shop;
  let lineItems = 0;
  let quantity = 0;
  let totalCents = 0;
  for (const order of shop.orders.values()) {
    lineItems += order.lineItems.length;
    for (const item of order.lineItems) quantity += item.quantity;
    totalCents += order.totalCents;
  }
  const store = {
    customers: shop.customers.size,
    orders: shop.orders.size,
    lineItems,
    quantity,
    total: (totalCents / 100).toFixed(2),
  };
  const { rows: recurRows } = await db.query<typeof store>(
    `SELECT (SELECT count(*)::int FROM customers WHERE shop_id = $1 AND deleted_at IS NULL) AS customers,
            (SELECT count(*)::int FROM orders WHERE shop_id = $1 AND deleted_at IS NULL) AS orders,
            (SELECT count(*)::int FROM order_line_items WHERE shop_id = $1) AS "lineItems",
            (SELECT sum(quantity)::float8 FROM order_line_items WHERE shop_id = $1) AS quantity,
            (SELECT sum(total_price)::numeric(20, 2)::text FROM orders WHERE shop_id = $1) AS total`,
    [shopId],
  );
  const recur = recurRows[0]!;
  if (JSON.stringify(recur) !== JSON.stringify(store))
    throw new Error(`Recur differs from the store: ${JSON.stringify({ recur, store })}`);
  log(`rows equal the store: ${JSON.stringify(store)}`);

  // The baseline: COPY of the same rows, as COPY text made from the same result files (not timed).
  // Made with Recur's own record parsers, which read the environment when imported.
  Object.assign(process.env, productionEnv, { DATABASE_URL: database.url });
  const { copyIntoLikeTables, toTsv, urlLines } = await import("./lib/copy-baseline.ts");
  await mkdir(scratch, { recursive: true });
  const tsvs = [];
  for (const operation of operations) {
    const entity = operation.query.includes("customers") ? "customers" : "orders";
    tsvs.push(
      await toTsv(
        await urlLines(operation.url!),
        path.join(scratch, `${entity}.`),
        operation.createdAt,
        shopId,
      ),
    );
  }
  log("COPY text written; copying");
  const copy = await copyIntoLikeTables(database.url, tsvs);
  log(`COPY of ${copy.rows} rows in ${Math.round(copy.ms / 1000)} s`);

  const runs = await readSyncRuns(db, shopId);
  const lines = runs.reduce((sum, run) => sum + Number(run.object_count), 0);
  await saveResult({
    benchmark: "bulk-10m",
    description: `full sync of a ${CUSTOMERS.toLocaleString("en-US")}-customer, ${ORDERS.toLocaleString("en-US")}-order shop (${lines.toLocaleString("en-US")} bulk lines) through the stand-in, the worker under its heap cap (${WORKER_HEAP_FLAGS.join(" ")})`,
    figures: [
      {
        name: "time from queueing the sync to both runs completed",
        value: syncMs / 1000,
        unit: "s",
        baseline: { name: "COPY of the same rows", value: copy.ms / 1000 },
      },
      { name: "ratio to COPY (COPY's time / the sync's)", value: copy.ms / syncMs, unit: "×" },
      {
        name: "peak RSS of the worker process",
        value: workerPeak,
        unit: "MB",
        target: { text: "< 350 MB", met: workerPeak < 350 },
      },
    ],
    notes: [
      ...syncRunNotes(runs, ingested),
      `rows equal the store: ${store.customers} customers, ${store.orders} orders, ${store.lineItems} line items (counts, quantities and totals compared)`,
      `load average (1, 5, 15 min): ${loadAtStart} at the start, ${loadAfterSync} when the sync ended, ${load()} at the end`,
    ],
  });
} finally {
  await Promise.allSettled([web.stop(), worker.stop()]);
  await standIn.close();
  await db.end();
  await database.stop();
  await rm(scratch, { recursive: true, force: true });
}
