/**
 * The guarded upsert: the one place where customers and orders are written, by webhook tasks and
 * by the bulk ingest alike. Last write wins by Shopify's own timestamps, so a late or replayed
 * webhook, or a bulk snapshot older than what is stored, never overwrites newer data.
 *
 * A table's fields come in groups, each with its own version:
 * - the resource's own fields, versioned by Shopify's `updated_at` (`shopify_updated_at`). Only a
 *   newer version of these brings back a row whose tombstone (`deleted_at`) is older;
 * - further groups that Shopify reports apart (a customer's purchasing summary, since API 2025-01);
 * - merged columns, combined by a SQL function rather than replaced (a customer's tag clock).
 * An incoming record may carry any of them; a group it does not carry (version NULL) is untouched.
 *
 * A group is written when its incoming version is newer than the stored one, or equal with
 * different data (Shopify's timestamps have one-second resolution: of two versions within a second,
 * the one that arrives last wins, and a later reconciliation converges on Shopify's). Identical data
 * is skipped, which makes a replay or a second sync write nothing. Nothing older than a tombstone is
 * written. Personal fields of a row that customers/redact erased are never written again.
 *
 * A field the message did not carry (its value `undefined`: Shopify leaves protected customer data
 * out of webhook payloads for apps not approved for it) keeps its stored value when its group is
 * written; an explicit `null` clears it (docs/decisions/019). Bulk lines carry every field.
 *
 * The parts, each in guarded-upsert/: columns.ts (the column specs), upsert-sql.ts (the SQL
 * generator), line-items.ts (line-item replacement), tombstones.ts (deletions), older-than-stored.server.ts
 * (whether a message that wrote nothing was older than stored). The statements they generate are
 * checked in as guarded-upsert/sql/*.sql; guarded-upsert/statements.test.ts fails when one changes.
 */
import type { Queryable } from "../../db.server.ts";
import {
  customerSpec,
  LINE_ITEM_TRAVELLING,
  orderSpec,
  travellingColumns,
  type Column,
  type ResourceSpec,
} from "./guarded-upsert/columns.ts";
import { REPLACE_LINE_ITEMS, stagedLineItemsSql } from "./guarded-upsert/line-items.ts";
import { guardedUpsertSql, STAGED_CHUNK } from "./guarded-upsert/upsert-sql.ts";
import type { CustomerRecord, OrderRecord } from "./records.ts";

export {
  CUSTOMER_TRAVELLING,
  LINE_ITEM_COLUMNS,
  LINE_ITEM_TRAVELLING,
  ORDER_TRAVELLING,
  travellingColumns,
  type Column,
  type ResourceSpec,
  type StagedLineItem,
} from "./guarded-upsert/columns.ts";
export { tombstone } from "./guarded-upsert/tombstones.ts";

export interface UpsertResult {
  /** Ids of the rows written (inserted, or updated because something newer came in). */
  written: string[];
  /** Records not written because what is stored was as new or newer. */
  skipped: number;
}

function arraysOf<R>(columns: Column<R>[], records: R[]): unknown[] {
  return columns.map((c) => records.map((record) => c.value(record) ?? null));
}

/** Per record, the names of the fields it does not carry (NOT_SENT). */
function notSentOf<R>(columns: Column<R>[], records: R[]): string[] {
  return records.map((record) =>
    columns
      .filter((c) => c.value(record) === undefined)
      .map((c) => c.name)
      .join(" "),
  );
}

/** A row the upsert touched; `changed` unless only a version moved forward. */
interface UpsertedRow {
  shopify_id: string;
  changed: boolean;
}

const changedIds = (rows: UpsertedRow[]) =>
  rows.filter((row) => row.changed).map((row) => row.shopify_id);

/** Runs an upsert from array parameters and returns the ids of the rows whose data changed. */
async function upsertFromArrays<R>(
  db: Queryable,
  spec: ResourceSpec<R>,
  sql: string,
  shopId: number,
  records: R[],
): Promise<string[]> {
  if (records.length === 0) return [];
  // One statement may not touch a row twice: batches from webhooks hold one record per id.
  const ids = new Set(records.map(spec.key));
  if (ids.size !== records.length) throw new Error(`${spec.table}: one record per id per batch`);
  // Named, so each connection plans the statement once: its planning costs more than a one-row
  // upsert, and webhook tasks run it for every delivery (docs/decisions/017).
  const { rows } = await db.query<UpsertedRow>({
    name: `guarded-upsert-${spec.table}`,
    text: sql,
    values: [
      shopId,
      ...arraysOf(travellingColumns(spec), records),
      notSentOf(travellingColumns(spec), records),
    ],
  });
  return changedIds(rows);
}

const UPSERT_CUSTOMERS = guardedUpsertSql(customerSpec, { kind: "arrays" });
const UPSERT_ORDERS = guardedUpsertSql(orderSpec, { kind: "arrays" });

export async function upsertCustomers(
  db: Queryable,
  shopId: number,
  records: CustomerRecord[],
): Promise<UpsertResult> {
  const written = await upsertFromArrays(db, customerSpec, UPSERT_CUSTOMERS, shopId, records);
  return { written, skipped: records.length - written.length };
}

/**
 * Upserts orders; the line items of every order row written are replaced by the record's, in the
 * caller's transaction. Line items of orders that were not written are left alone.
 */
export async function upsertOrders(
  db: Queryable,
  shopId: number,
  records: OrderRecord[],
): Promise<UpsertResult> {
  const written = await upsertFromArrays(db, orderSpec, UPSERT_ORDERS, shopId, records);
  const writtenIds = new Set(written);
  const lineItems = records
    .filter((order) => writtenIds.has(order.shopifyId))
    .flatMap((order) =>
      order.lineItems.map((item) => ({ ...item, orderShopifyId: order.shopifyId })),
    );
  if (written.length > 0) {
    await db.query({
      name: "replace-line-items",
      text: REPLACE_LINE_ITEMS,
      values: [shopId, ...arraysOf(LINE_ITEM_TRAVELLING, lineItems), written],
    });
  }
  return { written, skipped: records.length - written.length };
}

/**
 * The bulk ingest's upserts: the same guard, reading the incoming versions from staging tables
 * (filled by COPY), one range of their sequence numbers at a time.
 */
export async function upsertStagedCustomers(
  db: Queryable,
  shopId: number,
  staging: { table: string; fromSeq: number; toSeq: number },
): Promise<string[]> {
  const sql = guardedUpsertSql(customerSpec, {
    kind: "staging",
    table: staging.table,
    where: STAGED_CHUNK,
  });
  const { rows } = await db.query<UpsertedRow>(sql, [shopId, staging.fromSeq, staging.toSeq]);
  return changedIds(rows);
}

export async function upsertStagedOrders(
  db: Queryable,
  shopId: number,
  staging: { orders: string; lineItems: string; fromSeq: number; toSeq: number },
): Promise<string[]> {
  const sql = guardedUpsertSql(orderSpec, {
    kind: "staging",
    table: staging.orders,
    where: STAGED_CHUNK,
  });
  // Orders have only their own fields: every row returned holds a newer version of the order.
  const { rows } = await db.query<UpsertedRow>(sql, [shopId, staging.fromSeq, staging.toSeq]);
  const written = changedIds(rows);
  if (written.length > 0) {
    await db.query(stagedLineItemsSql(staging.lineItems), [shopId, written]);
  }
  return written;
}
