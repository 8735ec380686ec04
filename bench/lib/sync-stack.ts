/**
 * What every sync benchmark starts with: a benchmark database, a client on it, the built app, a
 * free port for Recur's web process and the Shopify stand-in that sends its webhooks there, plus
 * the environment of Recur's processes. They run as "test" because production refuses the
 * stand-in seam; everything else is production-like.
 */
import pg from "pg";
import { buildIfStale } from "../../scripts/lib/stack.ts";
import { startShopifyStandIn } from "../../tests/shopify-standin/index.ts";
import { startBenchDatabase } from "./database.ts";
import { freePort } from "./processes.ts";

const KEY = "bench-api-key";
const SECRET = "bench-api-secret";

export async function startSyncStack(name: string) {
  const database = await startBenchDatabase(name);
  const db = new pg.Client({ connectionString: database.url });
  await db.connect();
  await buildIfStale();
  const appPort = await freePort();
  const appUrl = `http://127.0.0.1:${appPort}`;
  const standIn = await startShopifyStandIn({
    appUrl,
    apiKey: KEY,
    apiSecret: SECRET,
    bulk: { objectsPerSecond: 100_000_000 },
  });
  const env = {
    NODE_ENV: "test",
    DATABASE_URL: database.url,
    PORT: String(appPort),
    SHOPIFY_APP_URL: appUrl,
    SHOPIFY_API_KEY: KEY,
    SHOPIFY_API_SECRET: SECRET,
    SHOPIFY_STANDIN_URL: standIn.url,
    LOG_LEVEL: "info",
  };
  return { database, db, appUrl, standIn, env };
}

/**
 * The full sync's runs of a shop, as the benchmarks wait for them: a run the worker's cron starts
 * meanwhile (the daily reconcile, RECONCILE_CRON, an incremental run of its own) is not the
 * benchmark's, and may have no result file.
 */
export async function fullSyncRuns(db: pg.Client, shopId: number) {
  const { rows } = await db.query<{
    entity: string;
    status: string;
    written: number;
    bulk_operation_id: string | null;
  }>(
    `SELECT entity::text, status::text, rows_written AS written, bulk_operation_id
     FROM sync_runs WHERE shop_id = $1 AND kind = 'full' ORDER BY entity`,
    [shopId],
  );
  return rows;
}

/** The stand-in's bulk operations of the full sync's runs (not a reconcile's). */
export function fullSyncOperations(
  standIn: Awaited<ReturnType<typeof startShopifyStandIn>>,
  domain: string,
  runs: { bulk_operation_id: string | null }[],
) {
  return standIn
    .bulkOperations(domain)
    .filter((operation) => runs.some((run) => run.bulk_operation_id === operation.id));
}

/** A shop's full sync runs as the benchmarks report them: time taken, rows written, objects read. */
export async function readSyncRuns(db: pg.Client, shopId: number) {
  const { rows } = await db.query<{
    entity: string;
    ms: number;
    rows_written: number;
    object_count: string;
  }>(
    `SELECT entity::text, extract(epoch FROM finished_at - started_at) * 1000 AS ms, rows_written,
            object_count::text FROM sync_runs WHERE shop_id = $1 AND kind = 'full' ORDER BY entity`,
    [shopId],
  );
  return rows;
}

/** The notes both sync benchmarks print: each run's time and rows, each ingest's stage and apply. */
export function syncRunNotes(
  runs: Awaited<ReturnType<typeof readSyncRuns>>,
  ingested: Record<string, unknown>[],
): string[] {
  return [
    ...runs.map(
      (run) =>
        `${run.entity}: ${Math.round(run.ms)} ms, ${run.object_count} objects, ${run.rows_written} rows written`,
    ),
    ...ingested.map(
      (entry) =>
        `${String(entry.entity)} ingest: stage ${String(entry.stageMs)} ms, apply ${String(entry.applyMs)} ms, ${String(entry.connections ?? 1)} connection(s), window ${JSON.stringify(entry.window)}`,
    ),
  ];
}
