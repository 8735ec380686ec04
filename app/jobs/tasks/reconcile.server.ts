import { pool } from "../../db.server.ts";
import { requestSync } from "../../lib/sync/request.server.ts";
import { defineTask } from "../define-task.server.ts";

/**
 * Reconciliation (cron, RECONCILE_CRON): an incremental sync of every installed shop, from the
 * start of its last completed run less a margin. It repairs what missed webhooks left behind;
 * the rows it writes are the repairs (docs/decisions/009-reconciliation-and-unreported-deletions.md).
 */
export const reconcile = defineTask("reconcile", async (_payload, { logFields }) => {
  const { rows } = await pool.query<{ id: number }>(
    "SELECT id FROM shops WHERE state = 'installed'",
  );
  for (const shop of rows) await requestSync(pool, shop.id, "incremental");
  logFields.shops = rows.length;
});
