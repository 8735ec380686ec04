/**
 * Rescores one customer against the breakpoints of the shop's last full run (rescore-customer.sql),
 * under the shop's RFM lock. See docs/rfm.md, "Incremental".
 */
import { readFileSync } from "node:fs";
import type pg from "pg";
import { lockShopRfm } from "./lock.server.ts";

const RESCORE_CUSTOMER = readFileSync(new URL("./rescore-customer.sql", import.meta.url), "utf8");

export interface RescoreResult {
  /** False before the shop's first full run: nothing is scored then. */
  scoredBefore: boolean;
  written: boolean;
  removed: boolean;
  /** The segment change recorded, if any (from null: the customer's first segment). */
  moved: { from: string | null; to: string } | null;
}

export async function rescoreCustomer(
  client: pg.PoolClient,
  shopId: number,
  customerShopifyId: string,
  now: Date = new Date(),
): Promise<RescoreResult> {
  await client.query("BEGIN");
  try {
    await lockShopRfm(client, shopId);
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
    await client.query("COMMIT");
    const row = rows[0]!;
    return {
      scoredBefore: row.scored_before,
      written: row.written > 0,
      removed: row.removed > 0,
      moved: row.moved_to === null ? null : { from: row.moved_from, to: row.moved_to },
    };
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  }
}
