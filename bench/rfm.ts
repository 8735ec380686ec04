/**
 * RFM full scoring (issue 14), first part: one shop of BENCH_CUSTOMERS customers (default
 * 1,000,000) and BENCH_ORDERS orders (default 5,000,000), skewed like a store (most customers buy
 * once, a few very often, 10% guest orders, refunds, cancellations, test and voided orders), scored
 * by app/lib/rfm/score-shop.sql, next to the same run's baseline: a bare GROUP BY of the eligible
 * orders per customer. Target: full scoring at most 10 s, at most 1.5 x the baseline.
 * Incremental rescoring under 1,000 order webhooks per second: bench/rfm-incremental.ts.
 */
import { readFile } from "node:fs/promises";
import { loadavg } from "node:os";
import pg from "pg";
import { scoreShop } from "../app/lib/rfm/score-shop.server.ts";
import { startBenchDatabase } from "./lib/database.ts";
import { seedRfmBenchShop } from "./lib/rfm-shop.ts";
import { saveResult } from "./lib/report.ts";

const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 1_000_000);
const ORDERS = Number(process.env.BENCH_ORDERS ?? 5_000_000);

const database = await startBenchDatabase("rfm");
const pool = new pg.Pool({ connectionString: database.url, max: 2 });
pool.on("error", (error) => console.warn(`after the run: ${error.message}`));

async function timed<T>(run: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await run();
  return { ms: Math.round(performance.now() - started), value };
}

try {
  const { rows } = await pool.query<{ id: number }>(
    `INSERT INTO shops (domain, state) VALUES ('bench-rfm.myshopify.com', 'installed') RETURNING id`,
  );
  const shopId = rows[0]!.id;
  const loadAtStart = loadavg()[0]!.toFixed(1);
  const seeded = await timed(() => seedRfmBenchShop(pool, shopId, CUSTOMERS, ORDERS));
  console.log(`seeded ${CUSTOMERS} customers and ${ORDERS} orders in ${seeded.ms} ms`);

  const baselineSql = `SELECT count(*) FROM (
      SELECT customer_shopify_id, max(coalesce(processed_at, shopify_created_at)), count(*),
             sum(current_total_price)
      FROM orders
      WHERE shop_id = $1 AND deleted_at IS NULL AND shopify_updated_at IS NOT NULL
        AND customer_shopify_id IS NOT NULL AND cancelled_at IS NULL AND test IS NOT TRUE
        AND financial_status IS DISTINCT FROM 'VOIDED'
      GROUP BY customer_shopify_id) per_customer`;
  // With the scoring's own work_mem (score-shop.server.ts): at PostgreSQL's default 4 MB the
  // hash aggregate of a million customers spills, and on this data set ran for over ten minutes.
  const baselineRun = async () => {
    const client = await pool.connect();
    try {
      await client.query("BEGIN");
      await client.query("SET LOCAL work_mem = '256MB'");
      await client.query(baselineSql, [shopId]);
      await client.query("COMMIT");
    } finally {
      client.release();
    }
  };
  await baselineRun(); // warm the cache
  const baseline = await timed(baselineRun);

  const client = await pool.connect();
  const backend = (await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]!
    .pid;
  const asOf = new Date("2026-11-01T12:00:00Z");
  const first = await timed(() => scoreShop(client, shopId, asOf));
  // The next day: every recency moves, so most rows are rewritten.
  const nextDay = await timed(() =>
    scoreShop(client, shopId, new Date(asOf.getTime() + 86_400_000)),
  );
  // Again at the same time: nothing changed, nothing is written.
  const unchanged = await timed(() =>
    scoreShop(client, shopId, new Date(asOf.getTime() + 86_400_000)),
  );
  // Peak resident memory of the PostgreSQL backend that ran the three scorings (VmHWM) and of
  // this process.
  const status = await readFile(`/proc/${backend}/status`, "utf8").catch(() => "");
  const backendPeakMb = Math.round(Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024);
  const nodePeakMb = Math.round(process.resourceUsage().maxRSS / 1024);
  client.release();
  console.log({ baseline: baseline.ms, first, nextDay, unchanged, backendPeakMb, nodePeakMb });

  const target = (ms: number) => ({
    text: "≤ 10 s and ≤ 1.5 × baseline",
    met: ms <= 10_000 && ms <= 1.5 * baseline.ms,
  });
  const base = {
    name: "bare GROUP BY of the eligible orders (same work_mem)",
    value: baseline.ms,
  };
  await saveResult({
    benchmark: "rfm",
    description: `Full RFM scoring of one shop of ${CUSTOMERS.toLocaleString("en-US")} customers and ${ORDERS.toLocaleString("en-US")} orders (app/lib/rfm/score-shop.sql).`,
    figures: [
      {
        name: "first full scoring (every row inserted)",
        value: first.ms,
        unit: "ms",
        baseline: base,
        target: target(first.ms),
      },
      {
        name: "next day's full scoring (recency moved)",
        value: nextDay.ms,
        unit: "ms",
        baseline: base,
        target: target(nextDay.ms),
      },
      {
        name: "full scoring, nothing changed",
        value: unchanged.ms,
        unit: "ms",
        baseline: base,
        target: target(unchanged.ms),
      },
    ],
    notes: [
      `scored ${first.value.scoredCustomers}, prospects ${first.value.prospects}; rows written: first ${first.value.rowsWritten}, next day ${nextDay.value.rowsWritten}, unchanged ${unchanged.value.rowsWritten}`,
      `peak RSS: the PostgreSQL backend that scored ${backendPeakMb} MB (VmHWM; shared buffers it touched included), the benchmark's Node process ${nodePeakMb} MB`,
      `seeded in ${seeded.ms} ms (bench/lib/rfm-shop.ts); load average (1 min) ${loadAtStart} at the start, ${loadavg()[0]!.toFixed(1)} at the end`,
      "Incremental rescoring at 1,000 order webhooks per second: see rfm-incremental.",
    ],
  });
} finally {
  await pool.end();
  await database.stop();
}
