/**
 * Full RFM scoring of a shop: one set-based statement (score-shop.sql) in one transaction, under
 * the shop's RFM lock. See docs/rfm.md for the rule set.
 */
import { readFileSync } from "node:fs";
import type pg from "pg";
import { lockShopRfm } from "./lock.server.ts";
import { RULE_SET } from "./rule-set.ts";

const SCORE_SHOP = readFileSync(new URL("./score-shop.sql", import.meta.url), "utf8");

export interface ScoreShopResult {
  runId: number;
  /** Customers with at least one eligible order (N). */
  scoredCustomers: number;
  prospects: number;
  /** customer_rfm rows inserted or changed. */
  rowsWritten: number;
  rowsDeleted: number;
  segmentChanges: number;
}

export async function scoreShop(
  client: pg.PoolClient,
  shopId: number,
  asOf: Date = new Date(),
): Promise<ScoreShopResult> {
  const startedAt = new Date();
  await client.query("BEGIN");
  try {
    await lockShopRfm(client, shopId);
    // The statement sorts and hashes every scored customer several times: let it do so in memory
    // (PostgreSQL's default 4 MB spills a large shop's sorts to temporary files).
    await client.query("SET LOCAL work_mem = '256MB'");
    const { rows } = await client.query<{
      id: number;
      scored_customers: number;
      prospects: number;
      rows_written: number;
      rows_deleted: number;
      segment_changes: number;
    }>(SCORE_SHOP, [shopId, asOf, RULE_SET, startedAt]);
    await client.query("COMMIT");
    const row = rows[0]!;
    return {
      runId: row.id,
      scoredCustomers: row.scored_customers,
      prospects: row.prospects,
      rowsWritten: row.rows_written,
      rowsDeleted: row.rows_deleted,
      segmentChanges: row.segment_changes,
    };
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  }
}
