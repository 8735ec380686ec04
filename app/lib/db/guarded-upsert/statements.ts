/**
 * Every statement the guarded upsert sends, by name, exactly as generated: statements.test.ts
 * checks each against its snapshot in ./sql/, so a change to a column spec or to the generator
 * shows up in review as SQL. Staging tables carry the names the bulk ingest gives them
 * (app/lib/sync/ingest.server.ts); the statements take them as they are.
 */
import { customerSpec, orderSpec } from "./columns.ts";
import { REPLACE_LINE_ITEMS, stagedLineItemsSql } from "./line-items.ts";
import { deletionOlderThanStoredSql, olderThanStoredSql } from "./older-than-stored.server.ts";
import { DELETE_ORDER_LINE_ITEMS, tombstoneSql } from "./tombstones.ts";
import { guardedUpsertSql, STAGED_CHUNK } from "./upsert-sql.ts";

export function generatedStatements(): Record<string, string> {
  return {
    "customers-upsert-from-webhooks": guardedUpsertSql(customerSpec, { kind: "arrays" }),
    "orders-upsert-from-webhooks": guardedUpsertSql(orderSpec, { kind: "arrays" }),
    "line-items-replace-from-webhooks": REPLACE_LINE_ITEMS,
    "customers-upsert-from-staging": guardedUpsertSql(customerSpec, {
      kind: "staging",
      table: "recur_staged_customers",
      where: STAGED_CHUNK,
    }),
    "orders-upsert-from-staging": guardedUpsertSql(orderSpec, {
      kind: "staging",
      table: "recur_staged_orders",
      where: STAGED_CHUNK,
    }),
    "line-items-replace-from-staging": stagedLineItemsSql("recur_staged_line_items"),
    "customers-tombstone": tombstoneSql("customers"),
    "orders-tombstone": tombstoneSql("orders"),
    "orders-tombstone-line-items": DELETE_ORDER_LINE_ITEMS,
    "orders-older-than-stored": olderThanStoredSql("orders", ["shopify_updated_at"]),
    "customers-older-than-stored": olderThanStoredSql("customers", [
      "shopify_updated_at",
      "purchasing_summary_at",
    ]),
    "customers-deletion-older-than-stored": deletionOlderThanStoredSql("customers"),
    "orders-deletion-older-than-stored": deletionOlderThanStoredSql("orders"),
  };
}
