/**
 * A full sync's two runs (customers, orders) are followed by one full RFM scoring, once no sync
 * of the shop is running: a scoring queued while one runs is put back, and the run that completes
 * queues it at once; a run that ends otherwise leaves it to run when its wait is over
 * (docs/decisions/072).
 */
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { pool } from "../../app/db.server.ts";
import { SCORING_SYNC_WAIT_MS } from "../../app/lib/rfm/jobs.server.ts";
import { requestSync } from "../../app/lib/sync/request.server.ts";
import * as webhooks from "../../app/routes/webhooks.ts";
import { startAppServer, type AppServer } from "../support/app-server.ts";
import { query } from "../support/db.ts";
import { drainJobs } from "../support/jobs.ts";
import { entries, referenceOfLastRun, rfmRows } from "../support/rfm.ts";
import { standIn } from "../support/standin.ts";
import { seedInstalledShop, syncRuns } from "../support/sync.ts";

let app: AppServer;
beforeAll(async () => {
  app = await startAppServer({ "/webhooks": webhooks });
});
afterAll(() => app.close());

/** A shop whose full sync has started, both bulk operations held RUNNING by the stand-in. */
async function heldFullSync(shop: string) {
  const { domain, shopId } = await seedInstalledShop({ shop, customers: 40, orders: 120 });
  standIn().setBulkMode("manual", domain);
  onTestFinished(() => standIn().setBulkMode("auto", domain));
  await requestSync(pool, shopId, "full");
  await drainJobs({ tasks: ["sync.start"] });
  const runs = await syncRuns(shopId);
  const operation = (entity: string) =>
    runs.find((run) => run.entity === entity)!.bulk_operation_id!;
  return { domain, shopId, customers: operation("customers"), orders: operation("orders") };
}

/** Lets the finish webhooks that the stand-in sent arrive, and runs every job they queue. */
async function deliverAndDrain() {
  await standIn().waitForDeliveries();
  await drainJobs();
}

const scorings = async (shopId: number) =>
  (
    await query<{ n: number }>("SELECT count(*)::int AS n FROM rfm_runs WHERE shop_id = $1", [
      shopId,
    ])
  )[0]!.n;

/** The pending full scoring of the shop, if any, and how far ahead it is due. */
const pendingScoring = async (shopId: number) =>
  (
    await query<{ due_in_ms: number }>(
      `SELECT (extract(epoch FROM run_at - now()) * 1000)::int AS due_in_ms
       FROM graphile_worker.jobs WHERE key = $1`,
      [`rfm-score-shop:${shopId}`],
    )
  )[0];

describe("the full scoring after a full sync", () => {
  it("waits while the other run is running, and runs once when it completes", async () => {
    const sync = await heldFullSync("rfm-after-both-runs");
    await standIn().finishBulkOperation(sync.domain, sync.customers);
    await deliverAndDrain();
    const [customers] = (await syncRuns(sync.shopId)).filter((run) => run.entity === "customers");
    expect(customers!.status).toBe("completed");
    // The customers' run queued a scoring; with the orders still running it was put back.
    expect(await scorings(sync.shopId)).toBe(0);
    const waiting = await pendingScoring(sync.shopId);
    expect(waiting).toBeDefined();
    expect(waiting!.due_in_ms).toBeGreaterThan(SCORING_SYNC_WAIT_MS / 2);

    await standIn().finishBulkOperation(sync.domain, sync.orders);
    await deliverAndDrain();
    expect((await syncRuns(sync.shopId)).map((run) => run.status)).toEqual([
      "completed",
      "completed",
    ]);
    // The orders' run queued it again, due at once: one scoring, of every customer and order.
    expect(await scorings(sync.shopId)).toBe(1);
    expect(await pendingScoring(sync.shopId)).toBeUndefined();
    const scores = await rfmRows(sync.shopId);
    expect(scores.size).toBe(40);
    expect(entries(scores)).toEqual(entries(await referenceOfLastRun(sync.shopId)));
  });

  it("still runs after the other run failed, when its wait is over", async () => {
    const sync = await heldFullSync("rfm-after-a-failed-run");
    await standIn().finishBulkOperation(sync.domain, sync.customers);
    await deliverAndDrain();
    await standIn().failBulkOperation(sync.domain, sync.orders, "INTERNAL_SERVER_ERROR", {
      partialObjects: 0,
    });
    await deliverAndDrain();
    expect((await syncRuns(sync.shopId)).map((run) => [run.entity, run.status]).sort()).toEqual([
      ["customers", "completed"],
      ["orders", "failed"],
    ]);
    // The failed run queued nothing; the scoring put back is still pending, not lost.
    expect(await scorings(sync.shopId)).toBe(0);
    expect(await pendingScoring(sync.shopId)).toBeDefined();

    // Its wait is over (as if SCORING_SYNC_WAIT_MS had passed): no sync is running, it scores.
    await pool.query(
      `SELECT graphile_worker.reschedule_jobs(array_agg(id), run_at := now() - interval '1 second')
       FROM graphile_worker.jobs WHERE key = $1`,
      [`rfm-score-shop:${sync.shopId}`],
    );
    await drainJobs();
    expect(await scorings(sync.shopId)).toBe(1);
    expect(await pendingScoring(sync.shopId)).toBeUndefined();
    expect((await rfmRows(sync.shopId)).size).toBe(40);
  });
});
