/**
 * Full RFM scoring of a shop: two set-based statements in one transaction, under the shop's RFM
 * lock: score-shop.sql computes (a read-only statement, so PostgreSQL may run it in parallel) into
 * a temporary table, score-shop-write.sql writes from it (docs/decisions/071). See docs/rfm.md for
 * the rule set.
 */
import { readFileSync } from "node:fs";
import type pg from "pg";
import { withTransaction } from "../../db.server.ts";
import { lockShopRfm } from "./lock.server.ts";
import { RULE_SET } from "./rule-set.ts";

const SCORE_SHOP = readFileSync(new URL("./score-shop.sql", import.meta.url), "utf8");
const SCORE_SHOP_WRITE = readFileSync(new URL("./score-shop-write.sql", import.meta.url), "utf8");

/** The planner settings of the scoring transaction (its benchmark's baseline runs with the same). */
export const SCORING_SETTINGS = { workMemMb: 256, randomPageCost: 1.1 } as const;

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

/** `db` is the pool (a connection is taken for the transaction) or a client not in a transaction. */
export async function scoreShop(
  db: pg.Pool | pg.PoolClient,
  shopId: number,
  asOf: Date = new Date(),
): Promise<ScoreShopResult> {
  const startedAt = new Date();
  // The statement sorts and hashes every scored customer several times: let it do so in memory
  // (PostgreSQL's default 4 MB spills a large shop's sorts to temporary files).
  const row = await withTransaction(
    db,
    async (client) => {
      await lockShopRfm(client, shopId);
      // Read the eligible orders by an index-only scan of orders_rfm_eligible_idx, in customer
      // order, aggregated as they stream (docs/decisions/061): several times faster than a
      // sequential scan and a hash of every customer, which PostgreSQL's default random_page_cost
      // (4, for spinning disks) makes the planner prefer. 1.1 is the usual figure for SSDs.
      await client.query(`SET LOCAL random_page_cost = ${SCORING_SETTINGS.randomPageCost}`);
      await client.query(SCORE_SHOP, [shopId, asOf, RULE_SET, startedAt]);
      const { rows } = await client.query<{
        id: number;
        scored_customers: number;
        prospects: number;
        rows_written: number;
        rows_deleted: number;
        segment_changes: number;
      }>(SCORE_SHOP_WRITE, [shopId, asOf, RULE_SET]);
      return rows[0]!;
    },
    { workMemMb: SCORING_SETTINGS.workMemMb },
  );
  return {
    runId: row.id,
    scoredCustomers: row.scored_customers,
    prospects: row.prospects,
    rowsWritten: row.rows_written,
    rowsDeleted: row.rows_deleted,
    segmentChanges: row.segment_changes,
  };
}
