/**
 * Line-item replacement: the line items of every order row the guarded upsert wrote are replaced by
 * the incoming set, from array parameters (webhooks) or a staging table (bulk ingest).
 */
import { LINE_ITEM_NAMES, LINE_ITEM_TRAVELLING } from "./columns.ts";

/**
 * Replaces the line items of the orders just written, in one statement: upserts the new set, and
 * deletes the orders' other line items. (The DELETE sees the statement's starting snapshot, so it
 * never touches what the upsert wrote.) `incoming` is a SELECT of the new line items' columns,
 * shop id first; the written orders' ids are parameter number `written`.
 *
 * With `incomingIds` (an SQL array of the new line items' ids), a line item whose every column is
 * as stored is left alone rather than rewritten (an order update that changes its fulfilment, tags
 * or payment leaves its lines as they are), and the DELETE keeps the lines of those ids.
 */
export function replaceLineItemsSql(
  incoming: string,
  written: number,
  incomingIds?: string,
): string {
  const columns = LINE_ITEM_NAMES.filter((name) => name !== "shopify_id");
  const unchanged = incomingIds
    ? `
      WHERE (${columns.map((name) => `order_line_items.${name}`).join(", ")})
        IS DISTINCT FROM (${columns.map((name) => `EXCLUDED.${name}`).join(", ")})`
    : "";
  return `
    WITH incoming AS (
      INSERT INTO order_line_items (shop_id, ${LINE_ITEM_NAMES.join(", ")})
      ${incoming}
      ON CONFLICT (shop_id, shopify_id) DO UPDATE SET
        ${columns.map((name) => `${name} = EXCLUDED.${name}`).join(", ")}${unchanged}
      RETURNING shopify_id)
    DELETE FROM order_line_items AS old
    WHERE old.shop_id = $1 AND old.order_shopify_id = ANY($${written}::numeric[])
      AND ${incomingIds ? `old.shopify_id <> ALL(${incomingIds})` : "old.shopify_id NOT IN (SELECT shopify_id FROM incoming)"}`;
}

/** From webhooks: the new line items arrive as array parameters ($2 their ids). */
export const REPLACE_LINE_ITEMS = replaceLineItemsSql(
  `SELECT $1, src.* FROM unnest(
    ${LINE_ITEM_TRAVELLING.map((c, i) => `$${i + 2}::${c.type}[]`).join(", ")}
  ) AS src(${LINE_ITEM_NAMES.join(", ")})`,
  LINE_ITEM_TRAVELLING.length + 2,
  "$2::numeric[]",
);

/** From the bulk ingest: the new line items of the written orders ($2), from a staging table. */
export function stagedLineItemsSql(lineItemsTable: string): string {
  return replaceLineItemsSql(
    `SELECT DISTINCT ON (shopify_id) $1, ${LINE_ITEM_NAMES.join(", ")}
       FROM ${lineItemsTable} WHERE order_shopify_id = ANY($2::numeric[])
       ORDER BY shopify_id`,
    2,
  );
}
