/**
 * Two shops' full syncs started together against one after the other (decision 036), end to end
 * through the Shopify stand-in and Recur's real processes (server.ts for the finish webhooks,
 * worker.ts). Four fresh shops of the same size: A then B (one after the other), C and D together
 * with the default ingest cap (2), E and F together with a cap of 1 (one ingest at a time across
 * the cluster, as the former single `sync-ingest` queue ran them). Each case's figure is the time
 * from queueing to the last run completed; "first shop done" is when the earlier of the two shops
 * had both runs completed (what a new install waits for when another shop is syncing).
 */
import { startChild, waitForHttp, type Child } from "../scripts/lib/stack.ts";
import { compareWithGroundTruth } from "../tests/support/ground-truth.ts";
import { startSyncStack } from "./lib/sync-stack.ts";
import { installSeededShop } from "./lib/installed-shop.ts";
import { saveResult } from "./lib/report.ts";

const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 30_000);
const ORDERS = Number(process.env.BENCH_ORDERS ?? 90_000);

const { database, db, appUrl, standIn, env } = await startSyncStack("two-shop-syncs");
const startWorker = (cap: number) =>
  startChild({
    name: "worker",
    args: ["worker.ts"],
    env: { ...env, SYNC_INGEST_CONCURRENCY: String(cap) },
    onLine: () => {},
  });

const installShop = (name: string) =>
  installSeededShop(db, standIn, { shop: name, customers: CUSTOMERS, orders: ORDERS });

type Shop = Awaited<ReturnType<typeof installShop>>;

/** Queues full syncs of `shops` at once; resolves with each shop's time to both runs completed. */
async function syncTogether(shops: Shop[]): Promise<number[]> {
  const started = performance.now();
  const ids = shops.map((shop) => shop.id);
  await db.query(
    `SELECT graphile_worker.add_job('sync.start', json_build_object('shopId', s, 'kind', 'full', 'entity', e))
     FROM unnest($1::int[]) AS s, unnest(ARRAY['customers', 'orders']) AS e`,
    [ids],
  );
  const done = new Map<number, number>();
  while (done.size < shops.length) {
    const { rows } = await db.query<{ shop_id: number; done: number; failed: number }>(
      `SELECT shop_id, count(*) FILTER (WHERE status = 'completed')::int AS done,
              count(*) FILTER (WHERE status IN ('failed', 'canceled'))::int AS failed
       FROM sync_runs WHERE shop_id = ANY($1) GROUP BY shop_id`,
      [ids],
    );
    for (const row of rows) {
      if (row.failed > 0) throw new Error(`A sync run of shop ${row.shop_id} failed`);
      if (row.done === 2 && !done.has(row.shop_id))
        done.set(row.shop_id, performance.now() - started);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return ids.map((id) => done.get(id)! / 1000);
}

const web = startChild({ name: "web", args: ["server.ts"], env, onLine: () => {} });
let worker: Child = startWorker(2);
try {
  const shops = [];
  for (const name of ["bench-a", "bench-b", "bench-c", "bench-d", "bench-e", "bench-f"]) {
    shops.push(await installShop(name));
  }
  const [a, b, c, d, e, f] = shops as [Shop, Shop, Shop, Shop, Shop, Shop];
  await waitForHttp(`${appUrl}/healthz`);

  const [aTime] = await syncTogether([a]);
  const [bTime] = await syncTogether([b]);
  const oneAfterTheOther = aTime! + bTime!;
  const together = await syncTogether([c, d]);

  await worker.stop();
  worker = startWorker(1);
  const oneIngestAtATime = await syncTogether([e, f]);

  const { rows: timeline } = await db.query<{ line: string }>(
    `SELECT format('%s %s: queued for ingest after %s s, finished after %s s (ingest %s s)', s.domain,
              r.entity, round(extract(epoch FROM r.ingest_queued_at - r.started_at)::numeric, 1),
              round(extract(epoch FROM r.finished_at - r.started_at)::numeric, 1),
              round(extract(epoch FROM r.finished_at - r.ingest_queued_at)::numeric, 1)) AS line
     FROM sync_runs r JOIN shops s ON s.id = r.shop_id ORDER BY r.id`,
  );
  for (const row of timeline) console.log(row.line);
  for (const shop of shops) {
    const comparison = await compareWithGroundTruth(
      db,
      shop.domain,
      standIn.groundTruth(shop.domain),
    );
    if (!comparison.equal)
      throw new Error(
        `${shop.domain} differs from the store: ${comparison.differences.join("; ")}`,
      );
  }
  const size = `${CUSTOMERS.toLocaleString("en-US")} customers and ${ORDERS.toLocaleString("en-US")} orders`;
  await saveResult({
    benchmark: "two-shop-syncs",
    description: `full syncs of two shops of ${size} each through the stand-in (web + worker processes, worker concurrency 4)`,
    figures: [
      {
        name: "both shops synced, started together (ingest cap 2)",
        value: Math.max(...together),
        unit: "s",
        baseline: { name: "one after the other", value: oneAfterTheOther },
      },
      {
        name: "first shop synced, started together (ingest cap 2)",
        value: Math.min(...together),
        unit: "s",
        baseline: { name: "one shop alone", value: aTime! },
      },
      {
        name: "both shops synced, started together, one ingest at a time (cap 1)",
        value: Math.max(...oneIngestAtATime),
        unit: "s",
        baseline: { name: "one after the other", value: oneAfterTheOther },
      },
      {
        name: "first shop synced, started together, one ingest at a time (cap 1)",
        value: Math.min(...oneIngestAtATime),
        unit: "s",
        baseline: { name: "one shop alone", value: aTime! },
      },
    ],
    notes: [
      `one after the other: ${aTime!.toFixed(1)} s + ${bTime!.toFixed(1)} s; together (cap 2): ${together.map((t) => t.toFixed(1)).join(" s and ")} s; together (cap 1): ${oneIngestAtATime.map((t) => t.toFixed(1)).join(" s and ")} s`,
      "every shop equals the store's ground truth at the end",
    ],
  });
} finally {
  await Promise.allSettled([web.stop(), worker.stop()]);
  await standIn.close();
  await db.end();
  await database.stop();
}
