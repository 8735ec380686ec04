/**
 * Zod schemas of the webhook payloads Recur acts on (Shopify's REST resources, API 2026-10), and
 * their mapping onto Recur's records. A payload that fails its schema can never succeed: its
 * delivery becomes a dead letter at once, with the schema's complaint as the reason.
 */
import { z } from "zod";
import {
  normalizeTags,
  parseGid,
  shopifyIdOf,
  tagChange,
  type CustomerRecord,
  type LineItemRecord,
  type OrderRecord,
} from "../db/records.ts";
import { restFulfillmentStatus, sentEnum } from "../db/shopify-enums.server.ts";
import { decimal, nullableString, timestamp } from "../zod-fields.ts";

const money = z.union([decimal, z.number(), z.bigint()]).transform(String);
/**
 * A REST numeric id, 1 to 2^64 - 1, as a decimal string. The stored body is read back with
 * parseExactJson, so an id beyond 2^53 arrives as a bigint, never rounded; an unsafe number (a
 * body parsed some other way) is refused rather than stored rounded.
 */
const numericId = z.union([z.number(), z.bigint(), z.string()]).transform((value, ctx) => {
  const id = shopifyIdOf(value);
  if (id !== undefined) return id;
  ctx.addIssue({ code: "custom", message: "is not a Shopify id (an integer from 1 to 2^64 - 1)" });
  return z.NEVER;
});

const idFields = { id: numericId, admin_graphql_api_id: z.string().optional() };

/**
 * Shopify sends both the numeric id and the GID; they must agree, and the GID (a string, so exact)
 * is the one kept.
 */
function exactId(
  type: string,
  fields: { id: string; admin_graphql_api_id?: string | undefined },
  ctx: z.RefinementCtx,
): string | undefined {
  if (fields.admin_graphql_api_id === undefined) return fields.id;
  const gid = parseGid(fields.admin_graphql_api_id);
  if (gid?.type === type && gid.id === fields.id) return gid.id;
  ctx.addIssue({
    code: "custom",
    path: ["admin_graphql_api_id"],
    message: `does not name ${type} ${fields.id}`,
  });
  return undefined;
}

function resourceId(type: string) {
  return z.object(idFields).transform((fields, ctx) => exactId(type, fields, ctx) ?? z.NEVER);
}

/**
 * A field of the resource's own that Shopify may leave out (protected customer data, for one):
 * absent stays `undefined`, "not sent", which the guarded upsert leaves as stored; `null` clears.
 */
const sentString = z.string().nullish();

/**
 * customers/create and customers/update. Since API 2025-01 these carry no tags and no order
 * statistics (customer.tags_added/removed and customers/purchasing_summary do): the record carries
 * the profile only, and the guarded upsert leaves the rest alone.
 */
const customerFields = z.object({
  email: sentString,
  first_name: sentString,
  last_name: sentString,
  phone: sentString,
  // An enum: a value Shopify adds is stored as sent, never refused (docs/decisions/032).
  state: sentString,
  verified_email: z.boolean().nullish(),
  currency: nullableString,
  created_at: timestamp.nullish(),
  updated_at: timestamp,
  ...idFields,
});

function customerProfile(
  fields: z.output<typeof customerFields>,
  ctx: z.RefinementCtx,
): CustomerRecord | undefined {
  const id = exactId("Customer", fields, ctx);
  if (id === undefined) return undefined;
  return {
    shopifyId: id,
    profile: {
      email: fields.email,
      firstName: fields.first_name,
      lastName: fields.last_name,
      phone: fields.phone,
      state: sentEnum("customer state", fields.state),
      verifiedEmail: fields.verified_email,
      shopifyCreatedAt: fields.created_at,
      shopifyUpdatedAt: fields.updated_at,
    },
    purchasing: null,
    tags: null,
  };
}

export const customerPayload = customerFields.transform(
  (fields, ctx) => customerProfile(fields, ctx) ?? z.NEVER,
);

/**
 * customers/create: the profile, and what a customer just created is known to have bought:
 * nothing, as of its creation (Shopify sends no purchasing summary until an order moves it, and any
 * later summary or snapshot is newer than this).
 */
export const customerCreatedPayload = customerFields.transform((fields, ctx) => {
  const record = customerProfile(fields, ctx);
  if (!record) return z.NEVER;
  if (!fields.created_at) return record;
  return {
    ...record,
    purchasing: {
      numberOfOrders: 0,
      amountSpent: "0",
      currencyCode: fields.currency,
      at: fields.created_at,
    },
  };
});

const customerGid = z.string().transform((value, ctx) => {
  const gid = parseGid(value);
  if (gid?.type === "Customer") return gid.id;
  ctx.addIssue({ code: "custom", message: "is not a Customer GID" });
  return z.NEVER;
});

/** customers/purchasing_summary (API 2025-01 and later). */
export const purchasingSummaryPayload = z
  .object({
    customerId: customerGid,
    numberOfOrders: z
      .union([z.number().int().nonnegative(), z.string().regex(/^\d+$/)])
      .transform(Number),
    amountSpent: z.object({ amount: money, currencyCode: z.string() }).nullish(),
    occurredAt: timestamp,
  })
  .transform((fields): CustomerRecord => ({
    shopifyId: fields.customerId,
    profile: null,
    purchasing: {
      numberOfOrders: fields.numberOfOrders,
      amountSpent: fields.amountSpent?.amount ?? null,
      currencyCode: fields.amountSpent?.currencyCode ?? null,
      at: fields.occurredAt,
    },
    tags: null,
  }));

/** customer.tags_added and customer.tags_removed: which tags changed, and when. */
export function tagsChangedPayload(present: boolean) {
  return z
    .object({ customerId: customerGid, tags: z.array(z.string()), occurredAt: timestamp })
    .transform((fields): CustomerRecord => ({
      shopifyId: fields.customerId,
      profile: null,
      purchasing: null,
      tags: tagChange(fields.tags, present, fields.occurredAt),
    }));
}

const lineItemPayload = z
  .object({
    title: nullableString,
    variant_title: nullableString,
    sku: nullableString,
    quantity: z.number().int(),
    price: money,
    product_id: numericId.nullish(),
    variant_id: numericId.nullish(),
    ...idFields,
  })
  .transform((fields, ctx): LineItemRecord => {
    const id = exactId("LineItem", fields, ctx);
    if (id === undefined) return z.NEVER;
    return {
      shopifyId: id,
      productShopifyId: fields.product_id ?? null,
      variantShopifyId: fields.variant_id ?? null,
      title: fields.title,
      variantTitle: fields.variant_title,
      sku: fields.sku,
      quantity: fields.quantity,
      price: fields.price,
    };
  });

export const orderPayload = z
  .object({
    name: sentString,
    email: sentString,
    customer: z.object({ id: numericId }).passthrough().nullish(),
    created_at: timestamp.nullish(),
    processed_at: timestamp.nullish(),
    cancelled_at: timestamp.nullish(),
    cancel_reason: sentString,
    financial_status: sentString,
    fulfillment_status: sentString,
    currency: sentString,
    total_price: money.nullish(),
    subtotal_price: money.nullish(),
    current_total_price: money.nullish(),
    test: z.boolean().nullish(),
    tags: z.string().nullish(),
    updated_at: timestamp,
    line_items: z.array(lineItemPayload),
    ...idFields,
  })
  .transform((fields, ctx): OrderRecord => {
    const id = exactId("Order", fields, ctx);
    if (id === undefined) return z.NEVER;
    // REST's fulfillment_status in GraphQL's words, with what it cannot tell apart (decision 031).
    const fulfillment =
      fields.fulfillment_status === undefined
        ? undefined
        : restFulfillmentStatus(fields.fulfillment_status);
    return {
      shopifyId: id,
      name: fields.name,
      email: fields.email,
      customerShopifyId: fields.customer === undefined ? undefined : (fields.customer?.id ?? null),
      shopifyCreatedAt: fields.created_at,
      processedAt: fields.processed_at,
      cancelledAt: fields.cancelled_at,
      cancelReason: sentEnum("order cancel reason", fields.cancel_reason),
      financialStatus: sentEnum("order financial status", fields.financial_status),
      fulfillmentStatus: fulfillment?.status,
      fulfillmentStatusAlsoMeans: fulfillment?.alsoMeans,
      currencyCode: fields.currency,
      totalPrice: fields.total_price,
      subtotalPrice: fields.subtotal_price,
      currentTotalPrice: fields.current_total_price,
      test: fields.test,
      tags: fields.tags === undefined ? undefined : normalizeTags(fields.tags ?? ""),
      shopifyUpdatedAt: fields.updated_at,
      lineItems: fields.line_items,
    };
  });

export const customerDeletePayload = resourceId("Customer");
export const orderDeletePayload = resourceId("Order");

/**
 * app/uninstalled: the shop resource. Recur acts on the headers alone; Shopify's documented body
 * has `myshopify_domain: null`, `domain: null` and other nulls, so nothing here may be required.
 */
export const appUninstalledPayload = z
  .object({ id: numericId.nullish(), myshopify_domain: z.string().nullish() })
  .passthrough();

const complianceCustomer = z.object({
  id: numericId,
  email: nullableString,
  phone: nullableString,
});

export const customersDataRequestPayload = z.object({
  shop_id: numericId,
  shop_domain: z.string(),
  orders_requested: z.array(numericId).default([]),
  customer: complianceCustomer,
  data_request: z.object({ id: numericId }),
});

export const customersRedactPayload = z.object({
  shop_id: numericId,
  shop_domain: z.string(),
  customer: complianceCustomer,
  orders_to_redact: z.array(numericId).default([]),
});

export const shopRedactPayload = z.object({
  shop_id: numericId,
  shop_domain: z.string(),
});

export const bulkOperationFinishPayload = z.object({
  admin_graphql_api_id: z.string().regex(/^gid:\/\/shopify\/BulkOperation\/\d+$/),
  status: z.string(),
  error_code: nullableString,
  created_at: timestamp.nullish(),
  completed_at: timestamp.nullish(),
  type: z.string().nullish(),
});
