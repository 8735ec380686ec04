/**
 * Customers and orders as Recur stores them: one shape for both of Shopify's descriptions of a
 * resource (REST webhook payloads and GraphQL bulk output), so the guarded upsert has one input.
 * Ids are Shopify's numeric ids as decimal strings; timestamps are ISO 8601; money is a decimal
 * string; enums use the GraphQL Admin API's values (PAID, FULFILLED, ENABLED, ...).
 */

/**
 * A field Shopify may leave out: `undefined` when the message did not carry it, so the stored value
 * stays; `null` when Shopify sent it empty, so the stored value is cleared (docs/decisions/019).
 * Apps not approved for protected customer data get webhook payloads without email, names, phone
 * and addresses: absent means "not told", never "erased".
 */
export type Sent<T> = T | undefined;

/** A customer's own fields, versioned by Shopify's updated_at. */
export interface CustomerProfile {
  email: Sent<string | null>;
  firstName: Sent<string | null>;
  lastName: Sent<string | null>;
  phone: Sent<string | null>;
  state: Sent<string | null>;
  verifiedEmail: Sent<boolean | null>;
  shopifyCreatedAt: Sent<string | null>;
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

/** An order; its fields but the id, version and line items may be not sent (see Sent). */
export interface OrderRecord {
  shopifyId: string;
  name: Sent<string | null>;
  email: Sent<string | null>;
  customerShopifyId: Sent<string | null>;
  shopifyCreatedAt: Sent<string | null>;
  processedAt: Sent<string | null>;
  cancelledAt: Sent<string | null>;
  cancelReason: Sent<string | null>;
  financialStatus: Sent<string | null>;
  /** GraphQL's OrderDisplayFulfillmentStatus. */
  fulfillmentStatus: Sent<string | null>;
  /**
   * The other values `fulfillmentStatus` may stand for, when it was read from a REST value that
   * cannot tell them apart (REST `null`: unfulfilled, on hold, scheduled, ...). A stored value
   * among them is more precise and stays (docs/decisions/031). Absent: the value is exact.
   */
  fulfillmentStatusAlsoMeans?: string[];
  currencyCode: Sent<string | null>;
  totalPrice: Sent<string | null>;
  subtotalPrice: Sent<string | null>;
  /** The total after refunds, returns and edits (REST current_total_price). */
  currentTotalPrice: Sent<string | null>;
  test: Sent<boolean | null>;
  tags: Sent<string[]>;
  shopifyUpdatedAt: string;
  lineItems: LineItemRecord[];
}

/**
 * Shopify's ids are unsigned 64-bit integers (GraphQL's `UnsignedInt64`, REST's numeric ids):
 * 1 to 2^64 - 1. Recur keeps them as canonical decimal strings and stores them as numeric(20, 0)
 * (docs/decisions/018): beyond 2^53 a JavaScript number rounds them, beyond 2^63 a bigint column
 * cannot hold them.
 */
export const MAX_SHOPIFY_ID = 2n ** 64n - 1n;

const DECIMAL_ID = /^[1-9]\d{0,19}$/;

/** Whether `text` is a Shopify id as Recur writes it: canonical decimal, 1 to 2^64 - 1. */
export function isShopifyId(text: string): boolean {
  // Up to 19 digits is always below 2^64 - 1 (20 digits): only a 20-digit id needs the BigInt.
  return DECIMAL_ID.test(text) && (text.length < 20 || BigInt(text) <= MAX_SHOPIFY_ID);
}

/**
 * A numeric id as it arrives in a payload (a safe integer, a bigint from the lossless parse, or a
 * decimal string) as a canonical decimal string, or undefined when it is no Shopify id.
 */
export function shopifyIdOf(value: unknown): string | undefined {
  let text: string | undefined;
  if (typeof value === "bigint") text = value.toString();
  else if (typeof value === "number" && Number.isSafeInteger(value)) text = String(value);
  else if (typeof value === "string") text = value;
  return text !== undefined && isShopifyId(text) ? text : undefined;
}

const GID = /^gid:\/\/shopify\/([A-Za-z]+)\/(\d+)(?:\?.*)?$/;

/**
 * The numeric id of a GID such as gid://shopify/Customer/123 (and its resource type); nothing when
 * the id is out of Shopify's range.
 */
export function parseGid(gid: string): { type: string; id: string } | undefined {
  const match = GID.exec(gid);
  if (!match || !isShopifyId(match[2]!)) return undefined;
  return { type: match[1]!, id: match[2]! };
}

/**
 * An id as it may be quoted in a message the merchant reads (the sync log): the canonical GID
 * (without any `?…` suffix) when the value parses as one, otherwise nothing of the value itself,
 * which may be anything a file or payload held, personal data included.
 */
export function quotableId(value: unknown): string {
  const gid = typeof value === "string" ? parseGid(value) : undefined;
  return gid ? `gid://shopify/${gid.type}/${gid.id}` : "an id that is not a Shopify GID";
}

export function normalizeTags(tags: string[] | string): string[] {
  const list = typeof tags === "string" ? tags.split(",") : tags;
  return [...new Set(list.map((tag) => tag.trim()).filter(Boolean))].sort();
}

/**
 * The "live row" condition, as SQL: a customer or order row Recur holds for a resource Shopify still
 * has (not deleted: a tombstone keeps `deleted_at`) and has described to Recur (a
 * `shopify_updated_at`: a tag or purchasing summary webhook, or a redaction, can make a placeholder
 * row before the resource itself arrives). What the admin lists, counts and compares with Shopify's
 * counts. `alias` is the row's table alias in the statement, if it has one.
 */
export function liveRow(alias?: string): string {
  const column = (name: string) => (alias ? `${alias}.${name}` : name);
  return `${column("deleted_at")} IS NULL AND ${column("shopify_updated_at")} IS NOT NULL`;
}
