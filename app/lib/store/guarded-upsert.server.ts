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

interface Column<R> {
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

const CUSTOMER_COLUMNS: Column<CustomerRecord>[] = [
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

const ORDER_COLUMNS: Column<OrderRecord>[] = [
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

const LINE_ITEM_COLUMNS: Column<LineItemRecord & { orderShopifyId: string }>[] = [
  { name: "order_shopify_id", type: "bigint", value: (r) => r.orderShopifyId },
  { name: "product_shopify_id", type: "bigint", value: (r) => r.productShopifyId },
  { name: "variant_shopify_id", type: "bigint", value: (r) => r.variantShopifyId },
  { name: "title", type: "text", value: (r) => r.title },
  { name: "variant_title", type: "text", value: (r) => r.variantTitle },
  { name: "sku", type: "text", value: (r) => r.sku },
  { name: "quantity", type: "int", value: (r) => r.quantity },
  { name: "price", type: "numeric", value: (r) => r.price },
];

/**
 * `INSERT ... SELECT FROM unnest($2::bigint[], ...) ON CONFLICT ... DO UPDATE ... WHERE <guard>`
 * for a table of Shopify resources keyed by (shop_id, shopify_id). $1 is the shop id.
 */
function guardedUpsertSql<R>(table: string, columns: Column<R>[]): string {
  const names = ["shopify_id", ...columns.map((c) => c.name), "shopify_updated_at"];
  const types = ["bigint", ...columns.map((c) => c.type), "timestamptz"];
  const decoded = [
    "src.shopify_id",
    ...columns.map((c) => (c.decode ? c.decode(`src.${c.name}`) : `src.${c.name}`)),
    "src.shopify_updated_at",
  ];
  // The value a column takes when the row is written: personal fields stay erased once redacted.
  const incoming = (c: Column<R>) =>
    c.personal
      ? `CASE WHEN existing.redacted_at IS NULL THEN EXCLUDED.${c.name} END`
      : `EXCLUDED.${c.name}`;
  return `
    INSERT INTO ${table} AS existing (shop_id, ${names.join(", ")}, synced_at)
    SELECT $1, ${decoded.join(", ")}, now()
    FROM unnest(${types.map((type, i) => `$${i + 2}::${type}[]`).join(", ")}) AS src(${names.join(", ")})
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

const UPSERT_CUSTOMERS = guardedUpsertSql("customers", CUSTOMER_COLUMNS);
const UPSERT_ORDERS = guardedUpsertSql("orders", ORDER_COLUMNS);

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

const LINE_ITEM_NAMES = ["shopify_id", ...LINE_ITEM_COLUMNS.map((c) => c.name)];
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
  if (written.length > 0) {
    await db.query(
      "DELETE FROM order_line_items WHERE shop_id = $1 AND order_shopify_id = ANY($2::bigint[])",
      [shopId, written],
    );
    const writtenIds = new Set(written);
    const lineItems = new Map<string, LineItemRecord & { orderShopifyId: string }>();
    for (const order of unique) {
      if (!writtenIds.has(order.shopifyId)) continue;
      for (const item of order.lineItems) {
        lineItems.set(item.shopifyId, { ...item, orderShopifyId: order.shopifyId });
      }
    }
    if (lineItems.size > 0) {
      const items = [...lineItems.values()];
      await db.query(INSERT_LINE_ITEMS, [
        shopId,
        items.map((item) => item.shopifyId),
        ...LINE_ITEM_COLUMNS.map((c) => items.map(c.value)),
      ]);
    }
  }
  return { written, skipped: records.length - written.length };
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
