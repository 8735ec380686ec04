/**
 * Shopify's enums as Recur stores them: the GraphQL Admin API's values (API 2026-10). Shopify adds
 * values without a new API version being needed to see them, so a value Recur does not know is
 * stored as sent (upper case, as GraphQL writes its enums) and logged once per value per process,
 * never refused (docs/decisions/032).
 */
import { logger } from "../../logger.server.ts";

/** shopify.dev/docs/api/admin-graphql/latest/enums/CustomerState */
export const CUSTOMER_STATE = ["DECLINED", "DISABLED", "ENABLED", "INVITED"] as const;

/** shopify.dev/docs/api/admin-graphql/latest/enums/OrderDisplayFinancialStatus (2026-10) */
export const ORDER_DISPLAY_FINANCIAL_STATUS = [
  "AUTHORIZED",
  "EXPIRED",
  "PAID",
  "PARTIALLY_PAID",
  "PARTIALLY_REFUNDED",
  "PENDING",
  "REFUNDED",
  "VOIDED",
] as const;

/** shopify.dev/docs/api/admin-graphql/latest/enums/OrderCancelReason */
export const ORDER_CANCEL_REASON = [
  "CUSTOMER",
  "DECLINED",
  "FRAUD",
  "INVENTORY",
  "OTHER",
  "STAFF",
] as const;

/** shopify.dev/docs/api/admin-graphql/latest/enums/OrderDisplayFulfillmentStatus (2026-10) */
export const ORDER_DISPLAY_FULFILLMENT_STATUS = [
  "FULFILLED",
  "FULFILLMENT_NOT_REQUIRED",
  "IN_PROGRESS",
  "ON_HOLD",
  "OPEN",
  "PARTIALLY_FULFILLED",
  "PENDING_FULFILLMENT",
  "REQUEST_DECLINED",
  "RESTOCKED",
  "SCHEDULED",
  "UNFULFILLED",
] as const;

const KNOWN = {
  "customer state": CUSTOMER_STATE,
  "order financial status": ORDER_DISPLAY_FINANCIAL_STATUS,
  "order cancel reason": ORDER_CANCEL_REASON,
  "order fulfillment status": ORDER_DISPLAY_FULFILLMENT_STATUS,
} satisfies Record<string, readonly string[]>;

export type EnumKind = keyof typeof KNOWN;

/** The values already logged in this process, per kind: each is logged once. */
const logged = new Set<string>();

/**
 * A value of one of Shopify's enums as Recur stores it: upper case, with any run of whitespace as
 * one `_` (REST writes `partially_paid`, GraphQL `PARTIALLY_PAID`). A value Recur does not know is
 * kept all the same; the first time a process sees it, it logs the kind and the value (an enum
 * value, never personal data).
 */
export function shopifyEnum(kind: EnumKind, value: string): string {
  const normalised = value.trim().toUpperCase().replace(/\s+/g, "_");
  if (!(KNOWN[kind] as readonly string[]).includes(normalised)) {
    const key = `${kind}\u0000${normalised}`;
    if (!logged.has(key)) {
      logged.add(key);
      logger.warn(
        { kind, value: normalised },
        "a Shopify enum value Recur does not know: stored as sent",
      );
    }
  }
  return normalised;
}

/** shopifyEnum for a field that may be absent (`undefined`) or empty (`null`, `""`). */
export function sentEnum(kind: EnumKind, value: string | null | undefined) {
  if (value === undefined) return undefined;
  return value ? shopifyEnum(kind, value) : null;
}

/**
 * REST's order `fulfillment_status` (`null`, `partial`, `fulfilled`, `restocked`; `pending` in
 * Shopify's test bodies) in GraphQL's OrderDisplayFulfillmentStatus: the value to store, and the
 * other GraphQL values the REST one may stand for. REST `null` says only that nothing is
 * fulfilled: GraphQL tells unfulfilled from on hold, scheduled, in progress, declined and not
 * required. A stored value among `alsoMeans` is more precise and is kept (docs/decisions/031).
 */
export interface RestFulfillmentStatus {
  status: string;
  alsoMeans: string[];
}

/** Nothing is fulfilled yet: what REST `null` may be in GraphQL's words. */
const NOTHING_FULFILLED = [
  "OPEN",
  "ON_HOLD",
  "SCHEDULED",
  "IN_PROGRESS",
  "PENDING_FULFILLMENT",
  "REQUEST_DECLINED",
  "FULFILLMENT_NOT_REQUIRED",
];

/** Some items fulfilled: the rest may be on hold, scheduled, in progress or declined. */
const SOME_FULFILLED = [
  "ON_HOLD",
  "SCHEDULED",
  "IN_PROGRESS",
  "PENDING_FULFILLMENT",
  "REQUEST_DECLINED",
];

export function restFulfillmentStatus(value: string | null): RestFulfillmentStatus {
  switch (value?.trim().toLowerCase() ?? null) {
    case null:
    case "":
    case "pending":
      return { status: "UNFULFILLED", alsoMeans: NOTHING_FULFILLED };
    case "partial":
      return { status: "PARTIALLY_FULFILLED", alsoMeans: SOME_FULFILLED };
    case "fulfilled":
      return { status: "FULFILLED", alsoMeans: [] };
    case "restocked":
      // GraphQL: RESTOCKED is "replaced by the UNFULFILLED status".
      return { status: "RESTOCKED", alsoMeans: ["UNFULFILLED"] };
    default:
      return { status: shopifyEnum("order fulfillment status", value!), alsoMeans: [] };
  }
}
