/**
 * Rescores one customer against the breakpoints of the shop's last full run (rescore-customer.sql),
 * under the shop's RFM lock, if the shop is installed. See docs/rfm.md, "Incremental".
 */
import { readFileSync } from "node:fs";
import type pg from "pg";
import { withTransaction } from "../../db.server.ts";
import { SHOP_IN_SERVICE_SQL } from "../db/shops.server.ts";
import { customerRfmLockStatement } from "./lock.server.ts";

const RESCORE_CUSTOMER = readFileSync(new URL("./rescore-customer.sql", import.meta.url), "utf8");

export interface RescoreResult {
  /** False when the shop is not installed (uninstalled or erased): nothing is read or written. */
  installed: boolean;
  /** False before the shop's first full run: nothing is scored then. */
  scoredBefore: boolean;
  written: boolean;
  removed: boolean;
  /** The segment change recorded, if any (from null: the customer's first segment). */
  moved: { from: string | null; to: string } | null;
}

/**
 * `db` is the pool (a connection is taken for the transaction) or a client not in a transaction.
 * Three round trips: the BEGIN with the locks and the shop's state, the statement, the COMMIT. The
 * commit does not wait for its flush (`synchronous_commit` off, as a delivery's, decision 042): a
 * crash that loses it loses the job's completion after it too, and the job runs again; what it
 * writes is derived from the stored orders, and the next full run rewrites it anyway.
 */
export async function rescoreCustomer(
  db: pg.Pool | pg.PoolClient,
  shopId: number,
  customerShopifyId: string,
  now: Date = new Date(),
): Promise<RescoreResult> {
  const row = await withTransaction(
    db,
    async (client, first) => {
      const shop = first?.rows[0] as { installed?: boolean } | undefined;
      if (shop?.installed !== true) return undefined;
      const { rows } = await client.query<{
        scored_before: boolean;
        written: number;
        removed: number;
        moved_to: string | null;
        moved_from: string | null;
      }>({
        name: "rfm-rescore-customer",
        text: RESCORE_CUSTOMER,
        values: [shopId, customerShopifyId, now],
      });
      return rows[0]!;
    },
    {
      synchronousCommit: "off",
      firstStatement: `SELECT coalesce((SELECT ${SHOP_IN_SERVICE_SQL}
                                        FROM shops WHERE id = ${shopId}), false) AS installed
                       FROM (${customerRfmLockStatement(shopId, customerShopifyId)}) AS locked`,
    },
  );
  if (!row) {
    return { installed: false, scoredBefore: false, written: false, removed: false, moved: null };
  }
  return {
    installed: true,
    scoredBefore: row.scored_before,
    written: row.written > 0,
    removed: row.removed > 0,
    moved: row.moved_to === null ? null : { from: row.moved_from, to: row.moved_to },
  };
}
