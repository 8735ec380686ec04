/**
 * A bulk ingest stages and applies on two connections at once (docs/decisions/075): each row on the
 * connection its id places it on, a line item with its order. What each connection can see is its
 * own staging tables only, so these check what depends on the split being right: a full snapshot
 * tombstones exactly the absent rows of both connections' partitions (and none that the other
 * connection staged), and line items whose order is not in the file are found on both and
 * described in file order.
 */
import { describe, expect, it } from "vitest";
import { pool } from "../../app/db.server.ts";
import { ingestBulkResult, type IngestOptions } from "../../app/lib/sync/ingest.server.ts";
import { partitionOf } from "../../app/lib/sync/partitions.ts";
import { bulkLineItemLine, bulkOrderLine } from "../support/bulk-lines.ts";
import { installShop } from "../support/db.ts";

const at = (minutes: number) => new Date(Date.UTC(2026, 11, 1, 0, minutes)).toISOString();

const orderLine = (id: number, updatedAt: string) =>
  bulkOrderLine(id, { createdAt: at(0), updatedAt });
const lineItemLine = (id: number, orderId: number) => bulkLineItemLine(id, orderId);

/** An order's lines: the line items first (an ungrouped file promises no order), then the order. */
const withLineItems = (id: number, updatedAt: string) => [
  lineItemLine(id * 10 + 1, id),
  lineItemLine(id * 10 + 2, id),
  orderLine(id, updatedAt),
];

async function ingest(lines: unknown[], options: Omit<IngestOptions, "entity">) {
  const text = lines.map((line) => JSON.stringify(line)).join("\n") + "\n";
  const client = await pool.connect();
  try {
    return await ingestBulkResult(client, new Blob([text]).stream(), {
      ...options,
      entity: "orders",
    });
  } finally {
    client.release();
  }
}

const ids = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe("a bulk ingest on two connections", () => {
  it("tombstones the absent orders of both connections' partitions, and only those", async () => {
    const shopId = await installShop("two-connections.myshopify.com");
    const kept = ids(1, 12);
    const absent = ids(13, 24);
    // Both sets have rows on both connections, or the test would not show the split.
    for (const set of [kept, absent]) {
      expect(new Set(set.map((id) => partitionOf(String(id), 2)))).toEqual(new Set([0, 1]));
    }

    const first = await ingest(
      [...kept, ...absent].flatMap((id) => withLineItems(id, at(1))),
      { shopId, snapshotAt: at(2) },
    );
    expect(first.connections).toBe(2);
    expect(first.written).toBe(24);

    // A full snapshot that no longer has `absent`; half of `kept` changed since.
    const second = await ingest(
      kept.flatMap((id) => withLineItems(id, id % 2 === 0 ? at(3) : at(1))),
      { shopId, snapshotAt: at(4), absentMeansDeletedAt: at(5) },
    );
    expect(second.connections).toBe(2);
    expect(second.rejected).toBe(0);
    expect(second.deleted).toBe(absent.length);
    expect(second.written).toBe(kept.length / 2 + absent.length);
    expect(second.skipped).toBe(kept.length / 2);

    const { rows: orders } = await pool.query<{ id: number; live: boolean; items: number }>(
      `SELECT o.shopify_id::int AS id, o.deleted_at IS NULL AS live,
         (SELECT count(*)::int FROM order_line_items li
          WHERE li.shop_id = o.shop_id AND li.order_shopify_id = o.shopify_id) AS items
       FROM orders o WHERE o.shop_id = $1 ORDER BY o.shopify_id`,
      [shopId],
    );
    expect(orders).toEqual([
      ...kept.map((id) => ({ id, live: true, items: 2 })),
      ...absent.map((id) => ({ id, live: false, items: 0 })),
    ]);
  });

  it("finds line items whose order is not in the file on both connections, the first five by line", async () => {
    const shopId = await installShop("two-connections-orphans.myshopify.com");
    const missing = ids(1001, 1008);
    expect(new Set(missing.map((id) => partitionOf(String(id), 2)))).toEqual(new Set([0, 1]));
    const lines = [
      ...withLineItems(1, at(1)),
      ...missing.map((orderId) => lineItemLine(orderId * 10, orderId)),
      ...withLineItems(2, at(1)),
    ];
    const counts = await ingest(lines, { shopId, snapshotAt: at(2) });
    expect(counts.connections).toBe(2);
    expect(counts.written).toBe(2);
    expect(counts.rejected).toBe(missing.length);
    expect(counts.rejections).toEqual(
      missing
        .slice(0, 5)
        .map(
          (orderId, i) =>
            `line ${4 + i}: LineItem ${orderId * 10} names an order not in the file (${orderId})`,
        ),
    );
    const { rows } = await pool.query<{ items: number }>(
      "SELECT count(*)::int AS items FROM order_line_items WHERE shop_id = $1",
      [shopId],
    );
    expect(rows[0]!.items).toBe(4);
  });
});
