/**
 * Line-item replacement: the line items of every order row the guarded upsert wrote are replaced by
 * the incoming set, from array parameters (webhooks) or a staging table (bulk ingest).
 */
import { LINE_ITEM_NAMES, LINE_ITEM_TRAVELLING, orderSpec, travellingColumns } from "./columns.ts";
import { guardedUpsertParts } from "./upsert-sql.ts";

/**
 * Replaces the line items of the orders just written, in one statement: upserts the new set, and
 * deletes the orders' other line items. (The DELETE sees the statement's starting snapshot, so it
 * never touches what the upsert wrote.) `incoming` is a SELECT of the new line items' columns,
 * shop id first; the written orders' ids are parameter number `written`.
 */
export function replaceLineItemsSql(incoming: string, written: number): string {
  const columns = LINE_ITEM_NAMES.filter((name) => name !== "shopify_id");
  return `
    WITH incoming AS (
      INSERT INTO order_line_items (shop_id, ${LINE_ITEM_NAMES.join(", ")})
      ${incoming}
      ON CONFLICT (shop_id, shopify_id) DO UPDATE SET
        ${columns.map((name) => `${name} = EXCLUDED.${name}`).join(", ")}
      RETURNING shopify_id)
    DELETE FROM order_line_items AS old
    WHERE old.shop_id = $1 AND old.order_shopify_id = ANY($${written}::numeric[])
      AND old.shopify_id NOT IN (SELECT shopify_id FROM incoming)`;
}

/**
 * From webhooks: the guarded upsert of orders and the replacement of the line items of those it
 * wrote, in one statement (one round trip per order delivery fewer: docs/decisions/074). The
 * parameters are the orders' upsert's ($1 the shop, the orders' columns, what each did not send),
 * then the line items of every record as arrays (LINE_ITEM_TRAVELLING); only the lines of the
 * orders the upsert wrote (`changed`) are upserted, and only those orders lose their other lines.
 * A line item whose every column is as stored is left alone. Every sub-statement sees the
 * statement's starting snapshot, so the DELETE never touches what the upsert wrote, and the line
 * items' foreign key is checked at the statement's end, when a new order is there. The written
 * orders' ids are an array (an InitPlan), so that the DELETE reads them from the line items'
 * (shop_id, order_shopify_id) index in every plan, generic ones too. Returns the orders' upsert's
 * rows.
 */
export function upsertOrdersWithLineItemsSql(): string {
  const { withSource, upsert } = guardedUpsertParts(orderSpec, { kind: "arrays" });
  // $1 the shop, then the orders' columns and their not-sent names.
  const first = travellingColumns(orderSpec).length + 3;
  const columns = LINE_ITEM_NAMES.filter((name) => name !== "shopify_id");
  return `${withSource},
    upserted AS (${upsert}),
    lines AS (
      SELECT * FROM unnest(
        ${LINE_ITEM_TRAVELLING.map((c, i) => `$${first + i}::${c.type}[]`).join(", ")}
      ) AS line(${LINE_ITEM_NAMES.join(", ")})
      WHERE line.order_shopify_id IN (SELECT shopify_id::numeric FROM upserted WHERE changed)),
    incoming AS (
      INSERT INTO order_line_items (shop_id, ${LINE_ITEM_NAMES.join(", ")})
      SELECT $1, lines.* FROM lines
      ON CONFLICT (shop_id, shopify_id) DO UPDATE SET
        ${columns.map((name) => `${name} = EXCLUDED.${name}`).join(", ")}
      WHERE (${columns.map((name) => `order_line_items.${name}`).join(", ")})
        IS DISTINCT FROM (${columns.map((name) => `EXCLUDED.${name}`).join(", ")})),
    removed AS (
      DELETE FROM order_line_items AS old
      WHERE old.shop_id = $1
        AND old.order_shopify_id = ANY(ARRAY(SELECT shopify_id::numeric FROM upserted WHERE changed))
        AND old.shopify_id <> ALL(ARRAY(SELECT shopify_id FROM lines)))
    SELECT shopify_id, changed FROM upserted`;
}

/** From the bulk ingest: the new line items of the written orders ($2), from a staging table. */
export function stagedLineItemsSql(lineItemsTable: string): string {
  return replaceLineItemsSql(
    `SELECT DISTINCT ON (shopify_id) $1, ${LINE_ITEM_NAMES.join(", ")}
       FROM ${lineItemsTable} WHERE order_shopify_id = ANY($2::numeric[])
       ORDER BY shopify_id`,
    2,
  );
}
