/**
 * The guarded upsert's column specs: which columns of customers, orders and order line items it
 * writes, how each value travels (array parameter element, staging column), and how they are
 * grouped under the versions that guard them (see ../guarded-upsert.server.ts). A change here
 * changes the generated SQL: the snapshots in ./sql/ show it in review.
 */
import type { CustomerRecord, LineItemRecord, OrderRecord } from "../records.ts";

export type SqlType = "text" | "int" | "boolean" | "numeric" | "timestamptz" | "jsonb";

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

export interface Group<R> {
  /** The column that versions the group; an incoming NULL means the record does not carry it. */
  version: Column<R>;
  fields: Column<R>[];
}

export interface Merged<R> {
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

export const customerSpec: ResourceSpec<CustomerRecord> = {
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

export const orderSpec: ResourceSpec<OrderRecord> = {
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

export const LINE_ITEM_NAMES = ["shopify_id", ...LINE_ITEM_COLUMNS.map((c) => c.name)];
export const LINE_ITEM_TRAVELLING: Column<StagedLineItem>[] = [
  { name: "shopify_id", type: "numeric", value: (r) => r.shopifyId },
  ...LINE_ITEM_COLUMNS,
];
