/** RFM tasks (docs/rfm.md): a full scoring of one shop, and one customer rescored. */
import { pool } from "../../db.server.ts";
import { SHOP_IN_SERVICE_SQL } from "../../lib/db/shops.server.ts";
import { deferShopScoring } from "../../lib/rfm/jobs.server.ts";
import { queueNightlyScoring } from "../../lib/rfm/nightly.server.ts";
import { rescoreCustomer } from "../../lib/rfm/rescore-customer.server.ts";
import { scoreShop } from "../../lib/rfm/score-shop.server.ts";
import { syncRunning } from "../../lib/sync/runs.server.ts";
import { defineTask } from "../define-task.server.ts";

async function installed(shopId: number): Promise<boolean> {
  const { rows } = await pool.query<{ installed: boolean }>(
    `SELECT ${SHOP_IN_SERVICE_SQL} AS installed FROM shops WHERE id = $1`,
    [shopId],
  );
  return rows[0]?.installed ?? false;
}

/**
 * Scores every customer of the shop: after each completed full sync, and on demand. Not while a
 * sync of the shop is running: the scoring is put back, and the run that completes queues it at
 * once, so a full sync's two runs are followed by one scoring, not one beside the other's apply
 * (docs/decisions/072).
 */
export const rfmScoreShop = defineTask("rfm.score-shop", async ({ shopId }, { logFields }) => {
  logFields.shopId = shopId;
  if (!(await installed(shopId))) {
    logFields.skipped = "shop not installed";
    return;
  }
  if (await syncRunning(pool, shopId)) {
    await deferShopScoring(pool, shopId);
    logFields.deferred = "a sync of the shop is running";
    return;
  }
  Object.assign(logFields, await scoreShop(pool, shopId));
});

/** Rescores one customer against the shop's last full run, after an order webhook. */
export const rfmRescoreCustomer = defineTask(
  "rfm.rescore-customer",
  async ({ shopId, customerId }, { logFields }) => {
    Object.assign(logFields, { shopId, customerId });
    // The shop's state is read in the rescoring's first round trip.
    const result = await rescoreCustomer(pool, shopId, customerId);
    if (!result.installed) {
      logFields.skipped = "shop not installed";
      return;
    }
    Object.assign(logFields, {
      scoredBefore: result.scoredBefore,
      written: result.written,
      removed: result.removed,
      movedTo: result.moved?.to,
    });
  },
);

/**
 * Hourly (cron): queues a full scoring of every shop whose own midnight passed since its last full
 * run (docs/decisions/030). The hour is the one cron scheduled the run for.
 */
export const rfmNightly = defineTask("rfm.nightly", async (payload, { logFields }) => {
  const now = payload._cron ? new Date(payload._cron.ts) : new Date();
  const shops = await queueNightlyScoring(pool, now);
  Object.assign(logFields, { at: now.toISOString(), shops: shops.length });
});
