/** Driving a sync to its end in a test: Shopify (the stand-in) and Recur's jobs, no sleeping. */
import { Session } from "@shopify/shopify-api";
import { pool } from "../../app/db.server.ts";
import { recordInstall } from "../../app/lib/db/shops.server.ts";
import { sessionStorage } from "../../app/shopify.server.ts";
import type { SeedShopOptions } from "../shopify-standin/index.ts";
import { drainJobs } from "./jobs.ts";
import { standIn } from "./standin.ts";

/**
 * Seeds a shop in the stand-in and installs Recur on it the way afterAuth would, with the stand-in's
 * offline token stored as the shop's session. Returns the shop's domain and Recur's shop id.
 */
export async function seedInstalledShop(options: SeedShopOptions) {
  const seeded = await standIn().seedShop({ ...options, install: true });
  await sessionStorage.storeSession(
    new Session({
      id: `offline_${seeded.shop}`,
      shop: seeded.shop,
      state: "test",
      isOnline: false,
      scope: "read_customers,read_orders,read_all_orders",
      accessToken: seeded.accessToken!,
    }),
  );
  const { shop } = await recordInstall(
    pool,
    seeded.shop,
    "read_customers,read_orders,read_all_orders",
  );
  return { domain: seeded.shop, shopId: shop.id };
}

interface RunState {
  id: number;
  status: string;
  bulk_operation_id: string | null;
  domain: string;
}

/**
 * Runs jobs until no sync run is left running: starts, waits for Shopify to finish each bulk
 * operation, lets its finish webhook arrive, ingests. Polls are run at once when `poll` is set
 * (as if their time had come); otherwise only the finish webhooks finish runs.
 */
export async function settleSyncs({ poll = false, rounds = 30 } = {}): Promise<void> {
  for (let round = 0; round < rounds; round++) {
    await drainJobs();
    const { rows } = await pool.query<RunState>(
      `SELECT r.id, r.status::text, r.bulk_operation_id, s.domain FROM sync_runs r
       JOIN shops s ON s.id = r.shop_id WHERE r.status = 'running'`,
    );
    if (rows.length === 0) return;
    for (const run of rows) {
      if (run.bulk_operation_id)
        await standIn().waitForBulkOperation(run.domain, run.bulk_operation_id);
    }
    await standIn().waitForDeliveries();
    if (poll) await runPollsNow();
  }
  throw new Error(`Sync runs were still running after ${rounds} rounds`);
}

/** Makes the sync.poll jobs due now, as if their time had come. */
export async function runPollsNow(): Promise<void> {
  await pool.query(
    `SELECT graphile_worker.reschedule_jobs(array_agg(id), run_at := now() - interval '1 second')
     FROM graphile_worker.jobs WHERE task_identifier = 'sync.poll'`,
  );
  await drainJobs();
}

export async function syncRuns(shopId: number) {
  const { rows } = await pool.query<{
    id: number;
    kind: string;
    entity: string;
    status: string;
    object_count: string;
    rows_written: number;
    rows_skipped: number;
    lines_rejected: number;
    partial: boolean;
    error_code: string | null;
    error_message: string | null;
    bulk_operation_id: string | null;
  }>(
    `SELECT id, kind::text, entity::text, status::text, object_count::text, rows_written, rows_skipped,
            lines_rejected, partial, error_code, error_message, bulk_operation_id
     FROM sync_runs WHERE shop_id = $1 ORDER BY id`,
    [shopId],
  );
  return rows;
}
