/**
 * Customers and orders as Recur stores them: one shape for both of Shopify's descriptions of a
 * resource (REST webhook payloads and GraphQL bulk output), so the guarded upsert has one input.
 * Ids are Shopify's numeric ids as decimal strings; timestamps are ISO 8601; money is a decimal
 * string; enums use the GraphQL Admin API's values (PAID, FULFILLED, ENABLED, ...).
 */

/** A customer's own fields, versioned by Shopify's updated_at. */
export interface CustomerProfile {
  email: string | null;
  firstName: string | null;
  lastName: string | null;
  phone: string | null;
  state: string | null;
  verifiedEmail: boolean | null;
  shopifyCreatedAt: string | null;
  shopifyUpdatedAt: string;
}

/** What Shopify's customers/purchasing_summary reports (no longer in customer payloads). */
export interface PurchasingSummary {
  numberOfOrders: number | null;
  amountSpent: string | null;
  currencyCode: string | null;
  /** When these figures were true. */
  at: string;
}

/**
 * Facts about a customer's tags, each with its time: a full list (snapshotAt set: tags not listed
 * were absent then) or a change (customer.tags_added / customer.tags_removed).
 */
export interface TagClock {
  snapshotAt?: string;
  tags: Record<string, { present: boolean; at: string }>;
}

/**
 * What one message tells about a customer: a bulk line carries all three parts; customers/update
 * only the profile; purchasing_summary and the tag topics only theirs.
 */
export interface CustomerRecord {
  shopifyId: string;
  profile: CustomerProfile | null;
  purchasing: PurchasingSummary | null;
  tags: TagClock | null;
}

export function tagSnapshot(tags: string[], at: string): TagClock {
  return {
    snapshotAt: at,
    tags: Object.fromEntries(normalizeTags(tags).map((tag) => [tag, { present: true, at }])),
  };
}

export function tagChange(tags: string[], present: boolean, at: string): TagClock {
  return { tags: Object.fromEntries(normalizeTags(tags).map((tag) => [tag, { present, at }])) };
}

export interface LineItemRecord {
  shopifyId: string;
  productShopifyId: string | null;
  variantShopifyId: string | null;
  title: string | null;
  variantTitle: string | null;
  sku: string | null;
  quantity: number;
  price: string;
}

export interface OrderRecord {
  shopifyId: string;
  name: string | null;
  email: string | null;
  customerShopifyId: string | null;
  shopifyCreatedAt: string | null;
  processedAt: string | null;
  cancelledAt: string | null;
  cancelReason: string | null;
  financialStatus: string | null;
  fulfillmentStatus: string | null;
  currencyCode: string | null;
  totalPrice: string | null;
  subtotalPrice: string | null;
  /** The total after refunds, returns and edits (REST current_total_price). */
  currentTotalPrice: string | null;
  test: boolean | null;
  tags: string[];
  shopifyUpdatedAt: string;
  lineItems: LineItemRecord[];
}

const GID = /^gid:\/\/shopify\/([A-Za-z]+)\/(\d+)(?:\?.*)?$/;

/** The numeric id of a GID such as gid://shopify/Customer/123 (and its resource type). */
export function parseGid(gid: string): { type: string; id: string } | undefined {
  const match = GID.exec(gid);
  return match ? { type: match[1]!, id: match[2]! } : undefined;
}

export function normalizeTags(tags: string[] | string): string[] {
  const list = typeof tags === "string" ? tags.split(",") : tags;
  return [...new Set(list.map((tag) => tag.trim()).filter(Boolean))].sort();
}
