/**
 * The guarded upsert: the one place where customers and orders are written, by webhook tasks and
 * by the bulk ingest alike. Last write wins by Shopify's `updated_at`, so a late or replayed
 * webhook, or a bulk snapshot older than what is stored, never overwrites newer data.
 *
 * A stored row is replaced when
 * - it is not a tombstone newer than the incoming version (a delete that came later wins), and
 * - its `shopify_updated_at` is older than the incoming one, or equal with different data.
 *   (Shopify's timestamps have one-second resolution: for two versions within one second, the
 *   one that arrives last wins, and a later reconciliation converges on Shopify's.)
 * An identical version is skipped, which also makes a replay or a second sync write nothing.
 *
 * Personal fields of a row that customers/redact erased are never written again.
 */
import type { Queryable } from "../../jobs/enqueue.server.ts";
import type { CustomerRecord, LineItemRecord, OrderRecord } from "./records.ts";

export interface Column<R> {
  name: string;
  /** Element type of the array parameter that carries the column. */
  type: "text" | "bigint" | "int" | "boolean" | "numeric" | "timestamptz";
  /** Erased by customers/redact, and never written into a redacted row. */
  personal?: boolean;
  value: (record: R) => string | number | boolean | null;
  /** SQL turning the parameter's element (`src.<name>`) into the column's value. */
  decode?: (source: string) => string;
}

/** Tags travel as one string joined by the ASCII unit separator, which Shopify's tags never hold. */
const TAG_SEPARATOR = "\u001f";
const tagsColumn = <R extends { tags: string[] }>(): Column<R> => ({
  name: "tags",
  type: "text",
  value: (record) => record.tags.join(TAG_SEPARATOR),
  decode: (source) => `string_to_array(${source}, E'\\x1f')`,
});

export const CUSTOMER_COLUMNS: Column<CustomerRecord>[] = [
  { name: "email", type: "text", personal: true, value: (r) => r.email },
  { name: "first_name", type: "text", personal: true, value: (r) => r.firstName },
  { name: "last_name", type: "text", personal: true, value: (r) => r.lastName },
  { name: "phone", type: "text", personal: true, value: (r) => r.phone },
  { name: "state", type: "text", value: (r) => r.state },
  tagsColumn<CustomerRecord>(),
  { name: "verified_email", type: "boolean", value: (r) => r.verifiedEmail },
  { name: "number_of_orders", type: "int", value: (r) => r.numberOfOrders },
  { name: "amount_spent", type: "numeric", value: (r) => r.amountSpent },
  { name: "currency_code", type: "text", value: (r) => r.currencyCode },
  { name: "shopify_created_at", type: "timestamptz", value: (r) => r.shopifyCreatedAt },
];

export const ORDER_COLUMNS: Column<OrderRecord>[] = [
  { name: "name", type: "text", value: (r) => r.name },
  { name: "email", type: "text", personal: true, value: (r) => r.email },
  { name: "customer_shopify_id", type: "bigint", value: (r) => r.customerShopifyId },
  { name: "shopify_created_at", type: "timestamptz", value: (r) => r.shopifyCreatedAt },
  { name: "processed_at", type: "timestamptz", value: (r) => r.processedAt },
  { name: "cancelled_at", type: "timestamptz", value: (r) => r.cancelledAt },
  { name: "cancel_reason", type: "text", value: (r) => r.cancelReason },
  { name: "financial_status", type: "text", value: (r) => r.financialStatus },
  { name: "fulfillment_status", type: "text", value: (r) => r.fulfillmentStatus },
  { name: "currency_code", type: "text", value: (r) => r.currencyCode },
  { name: "total_price", type: "numeric", value: (r) => r.totalPrice },
  { name: "subtotal_price", type: "numeric", value: (r) => r.subtotalPrice },
  { name: "test", type: "boolean", value: (r) => r.test },
  tagsColumn<OrderRecord>(),
];

export type StagedLineItem = LineItemRecord & { orderShopifyId: string };

export const LINE_ITEM_COLUMNS: Column<StagedLineItem>[] = [
  { name: "order_shopify_id", type: "bigint", value: (r) => r.orderShopifyId },
  { name: "product_shopify_id", type: "bigint", value: (r) => r.productShopifyId },
  { name: "variant_shopify_id", type: "bigint", value: (r) => r.variantShopifyId },
  { name: "title", type: "text", value: (r) => r.title },
  { name: "variant_title", type: "text", value: (r) => r.variantTitle },
  { name: "sku", type: "text", value: (r) => r.sku },
  { name: "quantity", type: "int", value: (r) => r.quantity },
  { name: "price", type: "numeric", value: (r) => r.price },
];

/** Where the incoming versions come from: array parameters, or a staging table (bulk ingest). */
type Source = { kind: "arrays" } | { kind: "staging"; table: string; where: string };

/** The columns every resource table has around its own: the key and the version. */
export function resourceColumns<R>(columns: Column<R>[]) {
  return {
    names: ["shopify_id", ...columns.map((c) => c.name), "shopify_updated_at"],
    types: ["bigint", ...columns.map((c) => c.type), "timestamptz"],
  };
}

/**
 * `INSERT ... SELECT ... FROM <source> ON CONFLICT ... DO UPDATE ... WHERE <guard>` for a table of
 * Shopify resources keyed by (shop_id, shopify_id). $1 is the shop id.
 */
function guardedUpsertSql<R>(table: string, columns: Column<R>[], source: Source): string {
  const { names, types } = resourceColumns(columns);
  const decoded = [
    "src.shopify_id",
    ...columns.map((c) => (c.decode ? c.decode(`src.${c.name}`) : `src.${c.name}`)),
    "src.shopify_updated_at",
  ];
  const from =
    source.kind === "arrays"
      ? `unnest(${types.map((type, i) => `$${i + 2}::${type}[]`).join(", ")}) AS src(${names.join(", ")})`
      : // One version per id per statement (a row may not be touched twice): the newest.
        `(SELECT DISTINCT ON (shopify_id) * FROM ${source.table} WHERE ${source.where}
          ORDER BY shopify_id, shopify_updated_at DESC) AS src`;
  // The value a column takes when the row is written: personal fields stay erased once redacted.
  const incoming = (c: Column<R>) =>
    c.personal
      ? `CASE WHEN existing.redacted_at IS NULL THEN EXCLUDED.${c.name} END`
      : `EXCLUDED.${c.name}`;
  return `
    INSERT INTO ${table} AS existing (shop_id, ${names.join(", ")}, synced_at)
    SELECT $1, ${decoded.join(", ")}, now()
    FROM ${from}
    ON CONFLICT (shop_id, shopify_id) DO UPDATE SET
      ${columns.map((c) => `${c.name} = ${incoming(c)}`).join(",\n      ")},
      shopify_updated_at = EXCLUDED.shopify_updated_at,
      deleted_at = NULL,
      synced_at = EXCLUDED.synced_at
    WHERE (existing.deleted_at IS NULL OR existing.deleted_at < EXCLUDED.shopify_updated_at)
      AND (existing.shopify_updated_at IS NULL
        OR existing.shopify_updated_at < EXCLUDED.shopify_updated_at
        OR (existing.shopify_updated_at = EXCLUDED.shopify_updated_at
          AND (existing.deleted_at IS NOT NULL
            OR (${columns.map((c) => `existing.${c.name}`).join(", ")})
               IS DISTINCT FROM (${columns.map(incoming).join(", ")}))))
    RETURNING shopify_id::text`;
}

function columnArrays<R extends { shopifyId: string; shopifyUpdatedAt: string }>(
  columns: Column<R>[],
  records: R[],
): unknown[] {
  return [
    records.map((r) => r.shopifyId),
    ...columns.map((c) => records.map(c.value)),
    records.map((r) => r.shopifyUpdatedAt),
  ];
}

/** Keeps one record per id (the newest), so one statement never touches a row twice. */
function newestPerId<R extends { shopifyId: string; shopifyUpdatedAt: string }>(records: R[]): R[] {
  const byId = new Map<string, R>();
  for (const record of records) {
    const seen = byId.get(record.shopifyId);
    if (!seen || Date.parse(seen.shopifyUpdatedAt) <= Date.parse(record.shopifyUpdatedAt)) {
      byId.set(record.shopifyId, record);
    }
  }
  return [...byId.values()];
}

export interface UpsertResult {
  /** Ids of the rows written (inserted, or updated because the incoming version was newer). */
  written: string[];
  /** Records not written because the stored row was as new or newer. */
  skipped: number;
}

const UPSERT_CUSTOMERS = guardedUpsertSql("customers", CUSTOMER_COLUMNS, { kind: "arrays" });
const UPSERT_ORDERS = guardedUpsertSql("orders", ORDER_COLUMNS, { kind: "arrays" });

export async function upsertCustomers(
  db: Queryable,
  shopId: number,
  records: CustomerRecord[],
): Promise<UpsertResult> {
  const unique = newestPerId(records);
  if (unique.length === 0) return { written: [], skipped: 0 };
  const { rows } = await db.query<{ shopify_id: string }>(UPSERT_CUSTOMERS, [
    shopId,
    ...columnArrays(CUSTOMER_COLUMNS, unique),
  ]);
  return { written: rows.map((row) => row.shopify_id), skipped: records.length - rows.length };
}

export const LINE_ITEM_NAMES = ["shopify_id", ...LINE_ITEM_COLUMNS.map((c) => c.name)];
const INSERT_LINE_ITEMS = `
  INSERT INTO order_line_items (shop_id, ${LINE_ITEM_NAMES.join(", ")})
  SELECT $1, src.* FROM unnest(
    ${["bigint", ...LINE_ITEM_COLUMNS.map((c) => c.type)].map((type, i) => `$${i + 2}::${type}[]`).join(", ")}
  ) AS src(${LINE_ITEM_NAMES.join(", ")})`;

/**
 * Upserts orders; the line items of every order row written are replaced by the record's, in the
 * caller's transaction. Line items of orders that were not written are left alone.
 */
export async function upsertOrders(
  db: Queryable,
  shopId: number,
  records: OrderRecord[],
): Promise<UpsertResult> {
  const unique = newestPerId(records);
  if (unique.length === 0) return { written: [], skipped: 0 };
  const { rows } = await db.query<{ shopify_id: string }>(UPSERT_ORDERS, [
    shopId,
    ...columnArrays(ORDER_COLUMNS, unique),
  ]);
  const written = rows.map((row) => row.shopify_id);
  const writtenIds = new Set(written);
  const lineItems = new Map<string, StagedLineItem>();
  for (const order of unique) {
    if (!writtenIds.has(order.shopifyId)) continue;
    for (const item of order.lineItems) {
      lineItems.set(item.shopifyId, { ...item, orderShopifyId: order.shopifyId });
    }
  }
  await replaceLineItems(db, shopId, written, {
    sql: INSERT_LINE_ITEMS,
    params: [
      [...lineItems.keys()],
      ...LINE_ITEM_COLUMNS.map((c) => [...lineItems.values()].map(c.value)),
    ],
  });
  return { written, skipped: records.length - written.length };
}

/** Deletes the line items of the orders just written, then inserts their new ones. */
async function replaceLineItems(
  db: Queryable,
  shopId: number,
  writtenOrders: string[],
  insert: { sql: string; params: unknown[] },
) {
  if (writtenOrders.length === 0) return;
  await db.query(
    "DELETE FROM order_line_items WHERE shop_id = $1 AND order_shopify_id = ANY($2::bigint[])",
    [shopId, writtenOrders],
  );
  await db.query(insert.sql, [shopId, ...insert.params]);
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
  const sql = guardedUpsertSql("customers", CUSTOMER_COLUMNS, {
    kind: "staging",
    table: staging.table,
    where: "seq > $2 AND seq <= $3",
  });
  const { rows } = await db.query<{ shopify_id: string }>(sql, [
    shopId,
    staging.fromSeq,
    staging.toSeq,
  ]);
  return rows.map((row) => row.shopify_id);
}

export async function upsertStagedOrders(
  db: Queryable,
  shopId: number,
  staging: { orders: string; lineItems: string; fromSeq: number; toSeq: number },
): Promise<string[]> {
  const sql = guardedUpsertSql("orders", ORDER_COLUMNS, {
    kind: "staging",
    table: staging.orders,
    where: "seq > $2 AND seq <= $3",
  });
  const { rows } = await db.query<{ shopify_id: string }>(sql, [
    shopId,
    staging.fromSeq,
    staging.toSeq,
  ]);
  const written = rows.map((row) => row.shopify_id);
  await replaceLineItems(db, shopId, written, {
    sql: `INSERT INTO order_line_items (shop_id, ${LINE_ITEM_NAMES.join(", ")})
      SELECT DISTINCT ON (shopify_id) $1, ${LINE_ITEM_NAMES.join(", ")}
      FROM ${staging.lineItems} WHERE order_shopify_id = ANY($2::bigint[])
      ORDER BY shopify_id`,
    params: [written],
  });
  return written;
}

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
  const { rowCount } = await db.query(
    `INSERT INTO ${table} AS existing (shop_id, shopify_id, deleted_at, synced_at)
     VALUES ($1, $2, $3, now())
     ON CONFLICT (shop_id, shopify_id) DO UPDATE SET deleted_at = EXCLUDED.deleted_at, synced_at = now()
     WHERE existing.deleted_at IS NULL
       AND (existing.shopify_updated_at IS NULL OR existing.shopify_updated_at <= EXCLUDED.deleted_at)`,
    [shopId, shopifyId, deletedAt],
  );
  if (rowCount && table === "orders") {
    await db.query("DELETE FROM order_line_items WHERE shop_id = $1 AND order_shopify_id = $2", [
      shopId,
      shopifyId,
    ]);
  }
  return Boolean(rowCount);
}
