/**
 * Rescores one customer against the breakpoints of the shop's last full run (rescore-customer.sql),
 * under the shop's RFM lock. See docs/rfm.md, "Incremental".
 */
import { readFileSync } from "node:fs";
import type pg from "pg";
import { withTransaction } from "../../db.server.ts";
import { lockCustomerRfm } from "./lock.server.ts";

const RESCORE_CUSTOMER = readFileSync(new URL("./rescore-customer.sql", import.meta.url), "utf8");

export interface RescoreResult {
  /** False before the shop's first full run: nothing is scored then. */
  scoredBefore: boolean;
  written: boolean;
  removed: boolean;
  /** The segment change recorded, if any (from null: the customer's first segment). */
  moved: { from: string | null; to: string } | null;
}

/** `db` is the pool (a connection is taken for the transaction) or a client not in a transaction. */
export async function rescoreCustomer(
  db: pg.Pool | pg.PoolClient,
  shopId: number,
  customerShopifyId: string,
  now: Date = new Date(),
): Promise<RescoreResult> {
  const row = await withTransaction(db, async (client) => {
    await lockCustomerRfm(client, shopId, customerShopifyId);
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
  });
  return {
    scoredBefore: row.scored_before,
    written: row.written > 0,
    removed: row.removed > 0,
    moved: row.moved_to === null ? null : { from: row.moved_from, to: row.moved_to },
  };
}
