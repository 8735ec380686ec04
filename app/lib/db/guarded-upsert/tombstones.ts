/**
 * Tombstones: a deletion leaves the row (so that a stale update cannot bring it back), unless a
 * version newer than the deletion is stored, which wins. An order's line items go with it.
 */
import type { Queryable } from "../../../db.server.ts";

/** Records a deletion at $3 of row $2 of shop $1 in `table`; a row when it applied. */
export function tombstoneSql(table: "customers" | "orders"): string {
  return `INSERT INTO ${table} AS existing (shop_id, shopify_id, deleted_at, synced_at)
     VALUES ($1, $2, $3, now())
     ON CONFLICT (shop_id, shopify_id) DO UPDATE SET deleted_at = EXCLUDED.deleted_at, synced_at = now()
     WHERE existing.deleted_at IS NULL
       AND (existing.shopify_updated_at IS NULL OR existing.shopify_updated_at <= EXCLUDED.deleted_at)`;
}

/** A deleted order's line items ($2 of shop $1). */
export const DELETE_ORDER_LINE_ITEMS =
  "DELETE FROM order_line_items WHERE shop_id = $1 AND order_shopify_id = $2";

/**
 * Records a deletion. The row stays as a tombstone (so that a stale update cannot bring it back)
 * unless a version newer than the deletion is stored, which wins. Returns whether it applied.
 */
export async function tombstone(
  db: Queryable,
  table: "customers" | "orders",
  shopId: number,
  shopifyId: string,
  deletedAt: Date,
): Promise<boolean> {
  const { rowCount } = await db.query(tombstoneSql(table), [shopId, shopifyId, deletedAt]);
  if (rowCount && table === "orders") {
    await db.query(DELETE_ORDER_LINE_ITEMS, [shopId, shopifyId]);
  }
  return Boolean(rowCount);
}
