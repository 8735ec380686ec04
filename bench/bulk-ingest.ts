/**
 * Bulk ingest: a 1,000,000-line bulk result (100,000 customers; 300,000 orders with their line
 * items) through Recur's ingest (stream, parse, stage, guarded upsert), next to PostgreSQL's COPY of
 * the same rows into the same tables, in the same run. Each is run twice, alternating, on empty
 * tables; the better of each pair counts (the machines are shared and noisy).
 * Targets (issue 5): at least 0.4 × the COPY rate; peak RSS under 300 MB.
 *
 * The ingesting process (bench/lib/ingest-child.ts) runs under the worker's heap cap, set by the
 * same module worker.ts imports first (app/worker-heap.server.ts, docs/decisions/070): the peak
 * RSS is that of the process configuration production runs.
 */
import pg from "pg";
import { bulkFiles } from "./lib/bulk-files.ts";
import { productionEnv } from "./lib/app-env.ts";
import { startBenchDatabase } from "./lib/database.ts";
import { saveResult } from "./lib/report.ts";

const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 100_000);
const ORDERS = Number(process.env.BENCH_ORDERS ?? 300_000);

const files = await bulkFiles(CUSTOMERS, ORDERS);
const totalLines = files.customers.lines + files.orders.lines;
console.log(
  `bulk files: ${files.customers.lines} customer lines, ${files.orders.lines} order and line item lines`,
);

const database = await startBenchDatabase("bulk");
const db = new pg.Client({ connectionString: database.url });
await db.connect();
// Recur's record parsers (the COPY text's source) read the environment when imported.
Object.assign(process.env, productionEnv, { DATABASE_URL: database.url });
const { COLUMNS, fileLines, runChild, toTsv } = await import("./lib/copy-baseline.ts");
try {
  const { rows } = await db.query<{ id: number }>(
    "INSERT INTO shops (domain) VALUES ('bench.myshopify.com') RETURNING id",
  );
  const shopId = rows[0]!.id;
  await toTsv(
    fileLines(files.customers.file),
    `${files.customers.file}.`,
    files.customers.createdAt,
    shopId,
  );
  await toTsv(
    fileLines(files.orders.file),
    `${files.orders.file}.`,
    files.orders.createdAt,
    shopId,
  );
  const empty = () => db.query("TRUNCATE customers, orders, order_line_items");

  const copies: number[] = [];
  const ingests: { ms: number; maxRssMb: number; written: number; rejected: number }[] = [];
  const memory = { heapUsedMb: 0, heapTotalMb: 0, externalMb: 0, arrayBuffersMb: 0 };
  let heapLimitMb = 0;
  let copiedRows = 0;
  for (let round = 0; round < 2; round++) {
    await empty();
    const copy = await runChild(
      "bench/lib/copy-child.ts",
      [
        `customers ${COLUMNS.customers}=${files.customers.file}.customers.tsv`,
        `orders ${COLUMNS.orders}=${files.orders.file}.orders.tsv`,
        `order_line_items ${COLUMNS.order_line_items}=${files.orders.file}.order_line_items.tsv`,
      ],
      database.url,
    );
    copies.push(copy.ms as number);
    copiedRows = copy.rows as number;

    await empty();
    await db.query("VACUUM ANALYZE customers, orders, order_line_items");
    let ms = 0;
    let maxRssMb = 0;
    let written = 0;
    let rejected = 0;
    for (const [entity, info] of [
      ["customers", files.customers],
      ["orders", files.orders],
    ] as const) {
      const result = await runChild(
        "bench/lib/ingest-child.ts",
        [entity, info.file, String(shopId), info.createdAt],
        database.url,
      );
      ms += result.ms as number;
      maxRssMb = Math.max(maxRssMb, result.maxRssMb as number);
      heapLimitMb = result.heapLimitMb as number;
      for (const [key, value] of Object.entries(result.memory as typeof memory)) {
        memory[key as keyof typeof memory] = Math.max(memory[key as keyof typeof memory], value);
      }
      const counts = result.counts as { written: number; rejected: number };
      written += counts.written;
      rejected += counts.rejected;
    }
    ingests.push({ ms, maxRssMb, written, rejected });
    console.log(
      `round ${round + 1}: COPY ${Math.round(copy.ms as number)} ms, ingest ${Math.round(ms)} ms, peak RSS ${Math.round(maxRssMb)} MB`,
    );
  }

  const copyRate = copiedRows / (Math.min(...copies) / 1000);
  const best = ingests.reduce((a, b) => (a.ms <= b.ms ? a : b));
  const ingestRate = totalLines / (best.ms / 1000);
  const peakRss = Math.max(...ingests.map((i) => i.maxRssMb));
  await saveResult({
    benchmark: "bulk-ingest",
    description: `${totalLines.toLocaleString("en-US")}-line bulk result (${CUSTOMERS.toLocaleString("en-US")} customers, ${ORDERS.toLocaleString("en-US")} orders with line items) into empty tables`,
    figures: [
      {
        name: "records ingested per second",
        value: ingestRate,
        unit: "records/s",
        baseline: { name: "PostgreSQL COPY of the same rows", value: copyRate },
        target: { text: "≥ 0.4 × COPY", met: ingestRate >= 0.4 * copyRate },
      },
      { name: "ratio to COPY", value: ingestRate / copyRate, unit: "×" },
      {
        name: "peak RSS of the ingesting process",
        value: peakRss,
        unit: "MB",
        target: { text: "< 300 MB", met: peakRss < 300 },
      },
    ],
    notes: [
      `rows written ${best.written.toLocaleString("en-US")}, lines rejected ${best.rejected}`,
      `COPY ${copiedRows.toLocaleString("en-US")} rows in ${Math.round(Math.min(...copies))} ms; ingest ${Math.round(best.ms)} ms (best of 2 each)`,
      `ingesting process under the worker's heap cap (heap limit ${Math.round(heapLimitMb)} MB, decision 070); highest sampled: V8 heap used ${Math.round(memory.heapUsedMb)} MB, committed ${Math.round(memory.heapTotalMb)} MB, outside the heap ${Math.round(memory.externalMb)} MB (array buffers ${Math.round(memory.arrayBuffersMb)} MB)`,
    ],
  });
} finally {
  await db.end();
  await database.stop();
}
