/**
 * The apply keeps the planner's statistics of the tables it writes current as they grow
 * (docs/decisions/062). Without it, the first sync into a new database planned the line-item
 * replacement with no statistics at all, and read every line item of the shop for each chunk
 * instead of the chunk's orders' own: the apply grew with the square of the shop.
 */
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { pool } from "../../app/db.server.ts";
import { stagedLineItemsSql } from "../../app/lib/db/guarded-upsert/line-items.ts";
import { ordersBulkQuery } from "../../app/lib/sync/bulk-queries.ts";
import { ingestBulkResult } from "../../app/lib/sync/ingest.server.ts";
import { STAGED, stagers, stagingDdl } from "../../app/lib/sync/staging.server.ts";
import { runBulkQuery } from "../support/bulk.ts";
import { compareWithGroundTruth } from "../support/ground-truth.ts";
import { standIn } from "../support/standin.ts";

interface PlanNode {
  "Node Type": string;
  "Relation Name"?: string;
  Alias?: string;
  "Index Name"?: string;
  Plans?: PlanNode[];
}

/** Every scan of `alias` in a plan, with the index it uses (if any). */
function scansOf(node: PlanNode, alias: string): PlanNode[] {
  const own = node.Alias === alias && node["Node Type"] !== "ModifyTable" ? [node] : [];
  return [...own, ...(node.Plans ?? []).flatMap((child) => scansOf(child, alias))];
}

/** The index scans below a bitmap heap scan name the index; the heap scan itself does not. */
function indexesOf(node: PlanNode): string[] {
  return [
    ...(node["Index Name"] ? [node["Index Name"]] : []),
    ...(node.Plans ?? []).flatMap(indexesOf),
  ];
}

describe("the apply's statistics", () => {
  it("a first sync into an empty database analyzes the tables it grows, and then replaces a chunk's line items through the orders' index", async () => {
    const seeded = await standIn().seedShop({ shop: "statistics", customers: 40, orders: 3000 });
    const { rows } = await pool.query<{ id: number }>(
      "INSERT INTO shops (domain) VALUES ($1) RETURNING id",
      [seeded.shop],
    );
    const shopId = rows[0]!.id;
    const before = await pool.query<{ relpages: number }>(
      "SELECT relpages FROM pg_class WHERE relname = 'order_line_items'",
    );
    expect(before.rows[0]!.relpages).toBe(0);

    const result = await runBulkQuery(
      standIn(),
      { shop: seeded.shop, accessToken: seeded.accessToken! },
      ordersBulkQuery(),
    );
    const client = await pool.connect();
    try {
      const counts = await ingestBulkResult(client, Readable.from([Buffer.from(result.text)]), {
        shopId,
        entity: "orders",
        snapshotAt: result.createdAt,
        applyBatch: 250,
      });
      expect(counts.rejected).toBe(0);
      expect(counts.written).toBe(3000);
      expect(counts.analyzed).toBeGreaterThanOrEqual(2);

      const { rows: statistics } = await client.query<{ relname: string; relpages: number }>(
        `SELECT relname, relpages FROM pg_class WHERE relname IN ('orders', 'order_line_items')
         ORDER BY relname`,
      );
      for (const table of statistics) expect(table.relpages).toBeGreaterThan(0);

      // How the next chunk's line items are replaced: through (shop_id, order_shopify_id), never
      // by reading the shop's line items.
      await client.query(stagingDdl(stagers(result.createdAt).LineItem!));
      const { rows: orderIds } = await client.query<{ id: string }>(
        `SELECT shopify_id::text AS id FROM orders WHERE shop_id = $1 ORDER BY shopify_id LIMIT 250`,
        [shopId],
      );
      const { rows: plan } = await client.query<{ "QUERY PLAN": [{ Plan: PlanNode }] }>(
        `EXPLAIN (FORMAT JSON) ${stagedLineItemsSql(STAGED.lineItems)}`,
        [shopId, orderIds.map((row) => row.id)],
      );
      const scans = scansOf(plan[0]!["QUERY PLAN"][0].Plan, "old");
      expect(scans.length).toBe(1);
      expect(indexesOf(scans[0]!)).toEqual(["order_line_items_shop_id_order_shopify_id_idx"]);
      await client.query(`DROP TABLE ${STAGED.lineItems}`);
    } finally {
      client.release();
    }

    const comparison = await compareWithGroundTruth(pool, seeded.shop, {
      ...standIn().groundTruth(seeded.shop),
      customers: [],
    });
    expect(comparison.differences).toEqual([]);
  });
});
