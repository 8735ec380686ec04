/**
 * Incremental RFM rescoring under order webhooks (issue 14): one shop of BENCH_CUSTOMERS customers
 * (default 100,000) and 5 orders per customer, skewed (bench/lib/rfm-shop.ts), scored once in full;
 * then BENCH_DELIVERIES (default 10,000) orders/create deliveries of new orders, recorded as the
 * intake records them at BENCH_RATE per second (default 1,000), processed by Recur's worker process
 * (worker.ts) twice: without RFM (the benchmark's database drops every rfm.rescore-customer job as
 * it is queued: a trigger on graphile-worker's job table, in this throwaway database only) and with
 * it. Figures: webhooks processed per second in both runs (target: with RFM within 20% of without),
 * and the time from an order's processing to its customer's new customer_rfm row (p50, p95; target
 * p95 under 2 s), peak RSS of the worker.
 *
 * Each webhook job gets the priority the intake would give it (decision 007: a shop flooding at
 * 1,000/s queues at priority 1-3), rescorings the default 0, as in production.
 *
 * "Processing" is the delivery's processed_at, the start of the transaction that wrote the order;
 * the new row is the first write of the customer's customer_rfm row after it that counts the order
 * (a frequency at least the customer's eligible orders by then; writes logged by a trigger with
 * clock_timestamp()).
 */
import { randomUUID } from "node:crypto";
import pg from "pg";
import { priorityForDelivery } from "../app/lib/webhooks/fairness.server.ts";
import { startChild } from "../scripts/lib/stack.ts";
import { restOrder } from "../tests/support/payloads.ts";
import { productionEnv } from "./lib/app-env.ts";
import { startBenchDatabase } from "./lib/database.ts";
import { peakRssMb } from "./lib/processes.ts";
import { profileArgs, profileSettings, reportProfile, resetStatements } from "./lib/profile.ts";
import { saveResult } from "./lib/report.ts";
import { seedRfmBenchShop } from "./lib/rfm-shop.ts";

const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 100_000);
const DELIVERIES = Number(process.env.BENCH_DELIVERIES ?? 10_000);
const RATE = Number(process.env.BENCH_RATE ?? 1000);
const CONCURRENCY = Number(process.env.WORKER_CONCURRENCY ?? 4);
const SHOP = "bench-rfm-incremental.myshopify.com";

const database = await startBenchDatabase("rfm-incremental", profileSettings());
// The app's modules parse the environment when first imported (app/env.server.ts): scoreShop is
// imported once the database's URL is known, as a worker process would see it.
Object.assign(process.env, productionEnv, { DATABASE_URL: database.url });
const { scoreShop } = await import("../app/lib/rfm/score-shop.server.ts");
const pool = new pg.Pool({ connectionString: database.url, max: 4 });
pool.on("error", (error) => console.warn(`after the run: ${error.message}`));

/** Customer of the i-th new order: skewed like the shop's own orders. */
function customerOf(i: number): number {
  const u = ((i * 2654435761) % 1000003) / 1000003;
  return 1 + Math.floor(CUSTOMERS * u ** 3);
}

function deliveries(firstOrder: number) {
  return Array.from({ length: DELIVERIES }, (_, i) => {
    const id = firstOrder + i;
    const customer = customerOf(id);
    const at = new Date().toISOString();
    return {
      id: randomUUID(),
      customer,
      payload: {
        ...restOrder(id, at, {
          customer: { id: customer, admin_graphql_api_id: `gid://shopify/Customer/${customer}` },
          created_at: at,
          processed_at: at,
        }),
      },
    };
  });
}

/** Records the deliveries with their jobs at RATE per second, in batches every 100 ms. */
async function feed(items: ReturnType<typeof deliveries>): Promise<void> {
  const perBatch = Math.max(1, Math.round(RATE / 10));
  const started = performance.now();
  for (let start = 0, n = 0; start < items.length; start += perBatch, n++) {
    const wait = started + n * 100 - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const batch = items.slice(start, start + perBatch);
    // The priority the intake gives each (decision 007): a shop sending 1,000/s is a flood, so its
    // webhooks queue below the default priority that rescorings keep.
    const priorities = batch.map(() => priorityForDelivery(SHOP));
    await pool.query(
      `WITH d AS (
         INSERT INTO webhook_deliveries (id, event_id, topic, shop_domain, api_version, triggered_at, payload)
         SELECT id, id, 'orders/create', $1, '2026-10', now(), payload::jsonb
         FROM unnest($2::text[], $3::text[]) AS t(id, payload) RETURNING id)
       SELECT graphile_worker.add_jobs(array_agg(ROW('orders.upsert', json_build_object('deliveryId', d.id), NULL, NULL, 10::smallint, 'delivery:' || d.id, t.priority, NULL)::graphile_worker.job_spec))
       FROM d JOIN unnest($2::text[], $4::smallint[]) AS t(id, priority) ON t.id = d.id`,
      [SHOP, batch.map((i) => i.id), batch.map((i) => JSON.stringify(i.payload)), priorities],
    );
  }
}

async function processedAll(ids: string[]): Promise<void> {
  for (;;) {
    const { rows } = await pool.query<{ left: number }>(
      `SELECT count(*)::int AS left FROM webhook_deliveries
       WHERE id = ANY($1) AND status IN ('received', 'processing')`,
      [ids],
    );
    if (rows[0]!.left === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function rescoringsLeft(): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM graphile_worker.jobs WHERE task_identifier = 'rfm.rescore-customer'",
  );
  return rows[0]!.n;
}

/** One run: the worker processes the fed deliveries; returns webhooks/s and the worker's peak RSS. */
async function run(label: string, items: ReturnType<typeof deliveries>) {
  const worker = startChild({
    name: "worker",
    args: [...profileArgs(`rfm-incremental-${label}`), "worker.ts"],
    env: {
      ...productionEnv,
      DATABASE_URL: database.url,
      LOG_LEVEL: "warn",
      WORKER_CONCURRENCY: String(CONCURRENCY),
    },
    onLine: process.env.BENCH_WORKER_LOG ? (line) => process.stderr.write(`${line}\n`) : () => {},
  });
  // The worker is up once its pool has registered (a no-op job it completes).
  await pool.query(
    "SELECT graphile_worker.add_job('rfm.score-shop', json_build_object('shopId', 2147483647))",
  );
  for (;;) {
    const { rows } = await pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM graphile_worker.jobs WHERE task_identifier = 'rfm.score-shop'",
    );
    if (rows[0]!.n === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await resetStatements(pool);
  const started = performance.now();
  await feed(items);
  await processedAll(items.map((i) => i.id));
  const ms = performance.now() - started;
  // Rescorings still queued when the last webhook is processed: drain them before stopping.
  while ((await rescoringsLeft()) > 0) await new Promise((resolve) => setTimeout(resolve, 100));
  const peak = peakRssMb(worker.process.pid!);
  await worker.stop();
  await reportProfile(pool, `rfm-incremental-${label}`);
  return { perSecond: items.length / (ms / 1000), ms, peak };
}

try {
  const { rows } = await pool.query<{ id: number }>(
    "INSERT INTO shops (domain, state) VALUES ($1, 'installed') RETURNING id",
    [SHOP],
  );
  const shopId = rows[0]!.id;
  await seedRfmBenchShop(pool, shopId, CUSTOMERS, CUSTOMERS * 5);
  const client = await pool.connect();
  await scoreShop(client, shopId);
  client.release();

  // Bench only: every write of a customer_rfm row, with the customer's order count at the time.
  await pool.query(`
    CREATE TABLE bench_rfm_writes (customer numeric(20, 0), frequency int, at timestamptz);
    CREATE INDEX ON bench_rfm_writes (customer, at);
    CREATE FUNCTION bench_log_rfm() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO bench_rfm_writes VALUES (NEW.customer_shopify_id, NEW.frequency, clock_timestamp());
        RETURN NULL;
      END $$;
    CREATE TRIGGER bench_log_rfm AFTER INSERT OR UPDATE ON customer_rfm_scores
      FOR EACH ROW EXECUTE FUNCTION bench_log_rfm();
    -- "Without RFM": rescoring jobs are dropped as they are queued.
    CREATE FUNCTION bench_drop_rescoring() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.task_id = (SELECT id FROM graphile_worker._private_tasks
                          WHERE identifier = 'rfm.rescore-customer') THEN
          RETURN NULL;
        END IF;
        RETURN NEW;
      END $$;
    CREATE TRIGGER bench_drop_rescoring BEFORE INSERT ON graphile_worker._private_jobs
      FOR EACH ROW EXECUTE FUNCTION bench_drop_rescoring();
    SELECT graphile_worker.add_job('rfm.rescore-customer', '{"shopId": 2147483647, "customerId": "1"}');
  `);

  const withoutItems = deliveries(900_000_000);
  const without = await run("without", withoutItems);
  await pool.query("DROP TRIGGER bench_drop_rescoring ON graphile_worker._private_jobs");
  const withItems = deliveries(950_000_000);
  const withRfm = await run("with", withItems);

  // Latency: each delivery of the second run, to the first write of its customer's row after it
  // that counts at least the customer's orders processed by then.
  const { rows: latency } = await pool.query<{
    p50: number;
    p95: number;
    max: number;
    missing: number;
  }>(
    `WITH d AS (
       SELECT (w.payload->'customer'->>'id')::numeric AS customer, w.processed_at
       FROM webhook_deliveries w WHERE w.id = ANY($2)
     ),
     base AS (
       -- The customer's eligible orders before this run (the first run's included, never
       -- rescored).
       SELECT o.customer_shopify_id AS customer, count(*) AS n FROM orders o
       WHERE o.shop_id = $1 AND o.customer_shopify_id IN (SELECT customer FROM d)
         AND o.shopify_id < 950000000 AND o.cancelled_at IS NULL AND o.test IS NOT TRUE
         AND o.financial_status IS DISTINCT FROM 'VOIDED'
       GROUP BY 1
     ),
     need AS (
       -- ... and this run's, processed up to this one: the row must count at least these.
       SELECT d.*, coalesce(base.n, 0) + count(*) OVER (
                PARTITION BY d.customer ORDER BY d.processed_at RANGE UNBOUNDED PRECEDING) AS frequency
       FROM d LEFT JOIN base ON base.customer = d.customer
     ),
     l AS (
       SELECT extract(epoch FROM (
         SELECT min(x.at) FROM bench_rfm_writes x
         WHERE x.customer = need.customer AND x.at >= need.processed_at
           AND x.frequency >= need.frequency
       ) - need.processed_at) * 1000 AS ms
       FROM need
     )
     SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50,
            percentile_cont(0.95) WITHIN GROUP (ORDER BY ms) AS p95,
            max(ms) AS max, count(*) FILTER (WHERE ms IS NULL)::int AS missing
     FROM l`,
    [shopId, withItems.map((i) => i.id)],
  );
  const lat = latency[0]!;
  console.log({ without, withRfm, lat });
  const ratio = withRfm.perSecond / without.perSecond;
  await saveResult({
    benchmark: "rfm-incremental",
    description: `Incremental RFM rescoring: ${DELIVERIES.toLocaleString("en-US")} orders/create webhooks fed at ${RATE.toLocaleString("en-US")}/s to one worker process (concurrency ${CONCURRENCY}), one shop of ${CUSTOMERS.toLocaleString("en-US")} customers and ${(CUSTOMERS * 5).toLocaleString("en-US")} orders.`,
    figures: [
      {
        name: "webhooks processed per second, with RFM rescoring",
        value: withRfm.perSecond,
        unit: "webhooks/s",
        baseline: { name: "the same without RFM rescoring", value: without.perSecond },
        target: { text: "≥ 80% of the baseline", met: ratio >= 0.8 },
      },
      {
        name: "order processed → its customer's new RFM row, p95",
        value: lat.p95,
        unit: "ms",
        target: { text: "< 2,000 ms", met: lat.p95 < 2000 },
      },
      { name: "order processed → its customer's new RFM row, p50", value: lat.p50, unit: "ms" },
      { name: "peak RSS of the worker process, with RFM", value: withRfm.peak, unit: "MB" },
    ],
    notes: [
      `with/without ${(ratio * 100).toFixed(0)}%; the feed took the run ${Math.round(withRfm.ms)} ms with RFM, ${Math.round(without.ms)} ms without`,
      `latency max ${Math.round(lat.max)} ms; deliveries without a later row write: ${lat.missing}`,
    ],
  });
} finally {
  await pool.end();
  await database.stop();
}
