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
 */
import type { Queryable } from "../../jobs/enqueue.server.ts";
import type { CustomerRecord, LineItemRecord, OrderRecord } from "./records.ts";

type SqlType = "text" | "int" | "boolean" | "numeric" | "timestamptz" | "jsonb";

export interface Column<R> {
  name: string;
  /** Type of the value as it travels (array parameter element, staging column). */
  type: SqlType;
  /** Erased by customers/redact, and never written into a redacted row. */
  personal?: boolean;
  /** The value; `undefined` when the record does not carry it (the stored value stays). */
  value: (record: R) => string | number | boolean | null | undefined;
  /** SQL turning the travelling value (`src.<name>`) into the column's value. */
  decode?: (source: string) => string;
  /**
   * The travelling value is the value to write followed by the other values it may stand for,
   * space separated; a stored value among them is more precise and is kept (docs/decisions/031).
   * Only array parameters (webhooks) carry such lists; a bulk line's value is exact.
   */
  vague?: boolean;
}

interface Group<R> {
  /** The column that versions the group; an incoming NULL means the record does not carry it. */
  version: Column<R>;
  fields: Column<R>[];
}

interface Merged<R> {
  column: Column<R>;
  /** SQL combining the stored and the incoming value. */
  merge: (stored: string, incoming: string) => string;
  /** Columns computed from the merged value. */
  derived: { name: string; from: (merged: string) => string }[];
}

export interface ResourceSpec<R> {
  table: string;
  key: (record: R) => string;
  /** The resource's own fields, versioned by shopify_updated_at. */
  main: Group<R>;
  extra: Group<R>[];
  merged: Merged<R>[];
}

/** Tags of an order travel as one string joined by the ASCII unit separator (never in a tag). */
const TAG_SEPARATOR = "\u001f";

const customerSpec: ResourceSpec<CustomerRecord> = {
  table: "customers",
  key: (r) => r.shopifyId,
  main: {
    version: {
      name: "shopify_updated_at",
      type: "timestamptz",
      value: (r) => r.profile?.shopifyUpdatedAt ?? null,
    },
    fields: [
      { name: "email", type: "text", personal: true, value: (r) => r.profile?.email },
      {
        name: "first_name",
        type: "text",
        personal: true,
        value: (r) => r.profile?.firstName,
      },
      {
        name: "last_name",
        type: "text",
        personal: true,
        value: (r) => r.profile?.lastName,
      },
      { name: "phone", type: "text", personal: true, value: (r) => r.profile?.phone },
      { name: "state", type: "text", value: (r) => r.profile?.state },
      { name: "verified_email", type: "boolean", value: (r) => r.profile?.verifiedEmail },
      {
        name: "shopify_created_at",
        type: "timestamptz",
        value: (r) => r.profile?.shopifyCreatedAt,
      },
    ],
  },
  extra: [
    {
      version: {
        name: "purchasing_summary_at",
        type: "timestamptz",
        value: (r) => r.purchasing?.at ?? null,
      },
      fields: [
        {
          name: "number_of_orders",
          type: "int",
          value: (r) => r.purchasing?.numberOfOrders ?? null,
        },
        { name: "amount_spent", type: "numeric", value: (r) => r.purchasing?.amountSpent ?? null },
        { name: "currency_code", type: "text", value: (r) => r.purchasing?.currencyCode ?? null },
      ],
    },
  ],
  merged: [
    {
      column: {
        name: "tag_clock",
        type: "jsonb",
        value: (r) => (r.tags ? JSON.stringify(r.tags) : null),
      },
      merge: (stored, incoming) => `recur_tag_clock_merge(${stored}, ${incoming})`,
      derived: [{ name: "tags", from: (merged) => `recur_tags(${merged})` }],
    },
  ],
};

const orderSpec: ResourceSpec<OrderRecord> = {
  table: "orders",
  key: (r) => r.shopifyId,
  main: {
    version: { name: "shopify_updated_at", type: "timestamptz", value: (r) => r.shopifyUpdatedAt },
    fields: [
      { name: "name", type: "text", value: (r) => r.name },
      { name: "email", type: "text", personal: true, value: (r) => r.email },
      { name: "customer_shopify_id", type: "numeric", value: (r) => r.customerShopifyId },
      { name: "shopify_created_at", type: "timestamptz", value: (r) => r.shopifyCreatedAt },
      { name: "processed_at", type: "timestamptz", value: (r) => r.processedAt },
      { name: "cancelled_at", type: "timestamptz", value: (r) => r.cancelledAt },
      { name: "cancel_reason", type: "text", value: (r) => r.cancelReason },
      { name: "financial_status", type: "text", value: (r) => r.financialStatus },
      {
        name: "fulfillment_status",
        type: "text",
        value: (r) =>
          r.fulfillmentStatus && r.fulfillmentStatusAlsoMeans?.length
            ? [r.fulfillmentStatus, ...r.fulfillmentStatusAlsoMeans].join(" ")
            : r.fulfillmentStatus,
        decode: (source) => `split_part(${source}, ' ', 1)`,
        vague: true,
      },
      { name: "currency_code", type: "text", value: (r) => r.currencyCode },
      { name: "total_price", type: "numeric", value: (r) => r.totalPrice },
      { name: "subtotal_price", type: "numeric", value: (r) => r.subtotalPrice },
      { name: "current_total_price", type: "numeric", value: (r) => r.currentTotalPrice },
      { name: "test", type: "boolean", value: (r) => r.test },
      {
        name: "tags",
        type: "text",
        value: (r) => r.tags?.join(TAG_SEPARATOR),
        decode: (source) => `string_to_array(${source}, E'\\x1f')`,
      },
    ],
  },
  extra: [],
  merged: [],
};

export type StagedLineItem = LineItemRecord & { orderShopifyId: string };

export const LINE_ITEM_COLUMNS: Column<StagedLineItem>[] = [
  { name: "order_shopify_id", type: "numeric", value: (r) => r.orderShopifyId },
  { name: "product_shopify_id", type: "numeric", value: (r) => r.productShopifyId },
  { name: "variant_shopify_id", type: "numeric", value: (r) => r.variantShopifyId },
  { name: "title", type: "text", value: (r) => r.title },
  { name: "variant_title", type: "text", value: (r) => r.variantTitle },
  { name: "sku", type: "text", value: (r) => r.sku },
  { name: "quantity", type: "int", value: (r) => r.quantity },
  { name: "price", type: "numeric", value: (r) => r.price },
];

/** The values a record of the spec travels as, in order: the key, then every column. */
export function travellingColumns<R>(spec: ResourceSpec<R>): Column<R>[] {
  return [
    { name: "shopify_id", type: "numeric", value: spec.key },
    ...[spec.main, ...spec.extra].flatMap((group) => [...group.fields, group.version]),
    ...spec.merged.map((merged) => merged.column),
  ];
}

export const CUSTOMER_TRAVELLING = travellingColumns(customerSpec);
export const ORDER_TRAVELLING = travellingColumns(orderSpec);

/** Where the incoming versions come from: array parameters, or a staging table (bulk ingest). */
type Source = { kind: "arrays" } | { kind: "staging"; table: string; where: string };

/**
 * Array parameters also carry, per record, the names of the fields it did not send (space
 * separated): the column `not_sent` of the statement's `src`.
 */
const NOT_SENT = "not_sent";

/**
 * `INSERT ... SELECT ... FROM <source> ON CONFLICT (shop_id, shopify_id) DO UPDATE ... WHERE
 * <some group is newer>`. $1 is the shop id.
 */
function guardedUpsertSql<R>(spec: ResourceSpec<R>, source: Source): string {
  const travelling = travellingColumns(spec);
  const arrays = source.kind === "arrays";
  const withSource = arrays
    ? `WITH src AS (SELECT * FROM unnest(${[
        ...travelling.map((c, i) => `$${i + 2}::${c.type}[]`),
        `$${travelling.length + 2}::text[]`,
      ].join(", ")}) AS src(${[...travelling.map((c) => c.name), NOT_SENT].join(", ")}))`
    : "";
  const from = arrays
    ? "src"
    : // One version per id per statement (a row may not be touched twice): the newest.
      `(SELECT DISTINCT ON (shopify_id) * FROM ${source.table} WHERE ${source.where}
        ORDER BY shopify_id, ${spec.main.version.name} DESC NULLS LAST) AS src`;
  const decoded = (c: Column<R>) => (c.decode ? c.decode(`src.${c.name}`) : `src.${c.name}`);

  const groups = [spec.main, ...spec.extra];
  const plain = groups.flatMap((group) => [...group.fields, group.version]);
  const insertColumns = [
    "shopify_id",
    ...plain.map((c) => c.name),
    ...spec.merged.flatMap((m) => [m.column.name, ...m.derived.map((d) => d.name)]),
  ];
  const insertValues = [
    "src.shopify_id",
    ...plain.map(decoded),
    ...spec.merged.flatMap((m) => {
      const value = `coalesce(src.${m.column.name}, '{}')`;
      return [value, ...m.derived.map((d) => d.from(value))];
    }),
  ];

  // The value a field takes when its group is written: personal fields stay erased once redacted,
  // and a field the record did not send keeps its stored value.
  const notSent = (c: Column<R>) =>
    `EXISTS (SELECT FROM src WHERE src.shopify_id = EXCLUDED.shopify_id
       AND '${c.name}' = ANY(string_to_array(src.${NOT_SENT}, ' ')))`;
  // A vague value (Column.vague) keeps a stored value it may stand for.
  const keepsStored = (c: Column<R>) =>
    `existing.${c.name} = ANY(string_to_array((SELECT src.${c.name} FROM src
       WHERE src.shopify_id = EXCLUDED.shopify_id), ' '))`;
  const incoming = (c: Column<R>) => {
    let value = c.personal
      ? `CASE WHEN existing.redacted_at IS NULL THEN EXCLUDED.${c.name} END`
      : `EXCLUDED.${c.name}`;
    if (arrays && c.vague)
      value = `CASE WHEN ${keepsStored(c)} THEN existing.${c.name} ELSE ${value} END`;
    return arrays ? `CASE WHEN ${notSent(c)} THEN existing.${c.name} ELSE ${value} END` : value;
  };
  const fieldsDiffer = (group: Group<R>) =>
    `(${group.fields.map((c) => `existing.${c.name}`).join(", ")})
       IS DISTINCT FROM (${group.fields.map(incoming).join(", ")})`;
  const newer = (group: Group<R>, isMain: boolean) => {
    const v = group.version.name;
    return `(EXCLUDED.${v} IS NOT NULL
        AND (existing.deleted_at IS NULL OR existing.deleted_at < EXCLUDED.${v})
        AND (existing.${v} IS NULL OR existing.${v} < EXCLUDED.${v}
          OR (existing.${v} = EXCLUDED.${v} AND (${isMain ? "existing.deleted_at IS NOT NULL OR " : ""}${fieldsDiffer(group)}))))`;
  };
  const conditions = groups.map((group, i) => ({ group, when: newer(group, i === 0) }));
  const onlyMain = spec.extra.length === 0 && spec.merged.length === 0;
  const assign = (column: string, value: string, when: string) =>
    onlyMain
      ? `${column} = ${value}`
      : `${column} = CASE WHEN ${when} THEN ${value} ELSE existing.${column} END`;
  const mergedValue = (m: Merged<R>) =>
    m.merge(`existing.${m.column.name}`, `EXCLUDED.${m.column.name}`);

  // Whether the row's data changes, not only a group's version: a newer version of the resource
  // itself, other figures in another group, or other derived values of a merged column. Versions
  // of the other groups move forward even when their data is the same (they must: a late message
  // older than the latest snapshot may not win), but that is not a change.
  const dataChanged = [
    conditions[0]!.when,
    ...conditions.slice(1).map(({ group, when }) => `(${when} AND ${fieldsDiffer(group)})`),
    ...spec.merged.flatMap((m) =>
      m.derived.map((d) => `${d.from(mergedValue(m))} IS DISTINCT FROM existing.${d.name}`),
    ),
  ].join("\n        OR ");

  const sets = [
    ...conditions.flatMap(({ group, when }) => [
      ...group.fields.map((c) => assign(c.name, incoming(c), when)),
      assign(group.version.name, `EXCLUDED.${group.version.name}`, when),
    ]),
    assign("deleted_at", "NULL", conditions[0]!.when),
    ...spec.merged.flatMap((m) => [
      `${m.column.name} = ${mergedValue(m)}`,
      ...m.derived.map((d) => `${d.name} = ${d.from(mergedValue(m))}`),
    ]),
    // synced_at: when Recur last changed the row's data. RETURNING compares it with now() (the
    // same throughout a transaction) to tell a change from a version that only moved forward.
    onlyMain
      ? "synced_at = now()"
      : `synced_at = CASE WHEN ${dataChanged} THEN now() ELSE existing.synced_at END`,
  ];
  const anyChange = [
    ...conditions.map(({ when }) => when),
    ...spec.merged.map((m) => `${mergedValue(m)} IS DISTINCT FROM existing.${m.column.name}`),
  ];

  return `${withSource}
    INSERT INTO ${spec.table} AS existing (shop_id, ${insertColumns.join(", ")}, synced_at)
    SELECT $1, ${insertValues.join(", ")}, now()
    FROM ${from}
    ON CONFLICT (shop_id, shopify_id) DO UPDATE SET
      ${sets.join(",\n      ")}
    WHERE ${anyChange.join("\n       OR ")}
    RETURNING shopify_id::text, synced_at = now() AS changed`;
}

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

const LINE_ITEM_NAMES = ["shopify_id", ...LINE_ITEM_COLUMNS.map((c) => c.name)];
export const LINE_ITEM_TRAVELLING: Column<StagedLineItem>[] = [
  { name: "shopify_id", type: "numeric", value: (r) => r.shopifyId },
  ...LINE_ITEM_COLUMNS,
];
/**
 * Replaces the line items of the orders just written, in one statement: upserts the new set, and
 * deletes the orders' other line items. (The DELETE sees the statement's starting snapshot, so it
 * never touches what the upsert wrote.) `incoming` is a SELECT of the new line items' columns,
 * shop id first; the written orders' ids are parameter number `written`.
 */
function replaceLineItemsSql(incoming: string, written: number): string {
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

/** From webhooks: the new line items arrive as array parameters. */
const REPLACE_LINE_ITEMS = replaceLineItemsSql(
  `SELECT $1, src.* FROM unnest(
    ${LINE_ITEM_TRAVELLING.map((c, i) => `$${i + 2}::${c.type}[]`).join(", ")}
  ) AS src(${LINE_ITEM_NAMES.join(", ")})`,
  LINE_ITEM_TRAVELLING.length + 2,
);

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
    where: "seq > $2 AND seq <= $3",
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
    where: "seq > $2 AND seq <= $3",
  });
  // Orders have only their own fields: every row returned holds a newer version of the order.
  const { rows } = await db.query<UpsertedRow>(sql, [shopId, staging.fromSeq, staging.toSeq]);
  const written = changedIds(rows);
  if (written.length > 0) {
    const replace = replaceLineItemsSql(
      `SELECT DISTINCT ON (shopify_id) $1, ${LINE_ITEM_NAMES.join(", ")}
       FROM ${staging.lineItems} WHERE order_shopify_id = ANY($2::numeric[])
       ORDER BY shopify_id`,
      2,
    );
    await db.query(replace, [shopId, written]);
  }
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
