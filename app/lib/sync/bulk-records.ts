/**
 * One line of bulk operation output (JSONL) as a Recur record. Lines are GraphQL objects with GIDs;
 * a line item is its own line, naming its order in `__parentId`.
 */
import { z } from "zod";
import {
  normalizeTags,
  parseGid,
  tagSnapshot,
  type CustomerRecord,
  type LineItemRecord,
  type OrderRecord,
} from "../db/records.ts";
import { sentEnum } from "../db/shopify-enums.server.ts";
import { decimal, nullableString, timestamp } from "../zod-fields.ts";

const gidOf = (type: string) =>
  z.string().transform((value, ctx) => {
    const gid = parseGid(value);
    if (gid?.type === type) return gid.id;
    ctx.addIssue({ code: "custom", message: `is not a ${type} GID` });
    return z.NEVER;
  });

const money = z.object({ amount: decimal, currencyCode: z.string() });
const moneyBag = z.object({ shopMoney: money });
const count = z
  .union([z.string().regex(/^\d+$/), z.number().int().nonnegative()])
  .transform(Number);

const customerLineSchema = z.object({
  id: gidOf("Customer"),
  defaultEmailAddress: z.object({ emailAddress: nullableString }).nullish(),
  firstName: nullableString,
  lastName: nullableString,
  defaultPhoneNumber: z.object({ phoneNumber: nullableString }).nullish(),
  state: nullableString,
  tags: z.array(z.string()),
  verifiedEmail: z.boolean().nullish(),
  numberOfOrders: count.nullish(),
  amountSpent: money.nullish(),
  createdAt: timestamp.nullish(),
  updatedAt: timestamp,
});

/**
 * A customer line of a bulk result. Its purchasing summary and tags were read during the run, so
 * they are dated no earlier than the run's start (`snapshotAt`), even if updatedAt is older:
 * Shopify need not move a customer's updated_at when only its statistics change.
 */
export function customerLine(snapshotAt: string) {
  return customerLineSchema.transform((line): CustomerRecord => {
    const at = Date.parse(line.updatedAt) > Date.parse(snapshotAt) ? line.updatedAt : snapshotAt;
    return {
      shopifyId: line.id,
      profile: {
        email: line.defaultEmailAddress?.emailAddress ?? null,
        firstName: line.firstName,
        lastName: line.lastName,
        phone: line.defaultPhoneNumber?.phoneNumber ?? null,
        state: sentEnum("customer state", line.state),
        verifiedEmail: line.verifiedEmail ?? null,
        shopifyCreatedAt: line.createdAt ?? null,
        shopifyUpdatedAt: line.updatedAt,
      },
      purchasing: {
        numberOfOrders: line.numberOfOrders ?? null,
        amountSpent: line.amountSpent?.amount ?? null,
        currencyCode: line.amountSpent?.currencyCode ?? null,
        at,
      },
      tags: tagSnapshot(line.tags, at),
    };
  });
}

export const orderLine = z
  .object({
    id: gidOf("Order"),
    name: nullableString,
    email: nullableString,
    customer: z.object({ id: gidOf("Customer") }).nullish(),
    createdAt: timestamp.nullish(),
    updatedAt: timestamp,
    processedAt: timestamp.nullish(),
    cancelledAt: timestamp.nullish(),
    cancelReason: nullableString,
    displayFinancialStatus: nullableString,
    displayFulfillmentStatus: nullableString,
    currencyCode: nullableString,
    totalPriceSet: moneyBag.nullish(),
    subtotalPriceSet: moneyBag.nullish(),
    currentTotalPriceSet: moneyBag.nullish(),
    test: z.boolean().nullish(),
    tags: z.array(z.string()),
  })
  // GraphQL answers every field it is asked for: in a bulk line, every field is sent.
  .transform((line): Omit<OrderRecord, "lineItems"> & { tags: string[] } => ({
    shopifyId: line.id,
    name: line.name,
    email: line.email,
    customerShopifyId: line.customer?.id ?? null,
    shopifyCreatedAt: line.createdAt ?? null,
    processedAt: line.processedAt ?? null,
    cancelledAt: line.cancelledAt ?? null,
    // Enums as sent; a value Recur does not know is logged once (docs/decisions/032). GraphQL's
    // displayFulfillmentStatus is exact: it replaces a vaguer REST reading (decision 031).
    cancelReason: sentEnum("order cancel reason", line.cancelReason),
    financialStatus: sentEnum("order financial status", line.displayFinancialStatus),
    fulfillmentStatus: sentEnum("order fulfillment status", line.displayFulfillmentStatus),
    currencyCode: line.currencyCode,
    totalPrice: line.totalPriceSet?.shopMoney.amount ?? null,
    subtotalPrice: line.subtotalPriceSet?.shopMoney.amount ?? null,
    currentTotalPrice: line.currentTotalPriceSet?.shopMoney.amount ?? null,
    test: line.test ?? null,
    tags: normalizeTags(line.tags),
    shopifyUpdatedAt: line.updatedAt,
  }));

export const lineItemLine = z
  .object({
    id: gidOf("LineItem"),
    __parentId: gidOf("Order"),
    title: nullableString,
    variantTitle: nullableString,
    sku: nullableString,
    quantity: z.number().int(),
    originalUnitPriceSet: moneyBag,
    product: z.object({ id: gidOf("Product") }).nullish(),
    variant: z.object({ id: gidOf("ProductVariant") }).nullish(),
  })
  .transform((line): LineItemRecord & { orderShopifyId: string } => ({
    shopifyId: line.id,
    orderShopifyId: line.__parentId,
    productShopifyId: line.product?.id ?? null,
    variantShopifyId: line.variant?.id ?? null,
    title: line.title,
    variantTitle: line.variantTitle,
    sku: line.sku,
    quantity: line.quantity,
    price: line.originalUnitPriceSet.shopMoney.amount,
  }));
