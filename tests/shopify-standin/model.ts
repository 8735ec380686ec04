// The stand-in's in-memory store: plain records, one shape per Shopify resource.
// Times are whole seconds since the epoch (Shopify's timestamps have one-second resolution);
// money is integer minor units (cents) in the shop's one currency.

export type CustomerState = "ENABLED" | "DISABLED" | "INVITED" | "DECLINED";

export type FinancialStatus =
  | "PENDING"
  | "AUTHORIZED"
  | "PAID"
  | "PARTIALLY_PAID"
  | "PARTIALLY_REFUNDED"
  | "REFUNDED"
  | "VOIDED"
  | "EXPIRED";

/** GraphQL's OrderDisplayFulfillmentStatus (API 2026-10); the generator uses the first four. */
export type FulfillmentStatus =
  | "UNFULFILLED"
  | "PARTIALLY_FULFILLED"
  | "FULFILLED"
  | "RESTOCKED"
  | "FULFILLMENT_NOT_REQUIRED"
  | "IN_PROGRESS"
  | "ON_HOLD"
  | "OPEN"
  | "PENDING_FULFILLMENT"
  | "REQUEST_DECLINED"
  | "SCHEDULED";

export type CancelReason = "CUSTOMER" | "DECLINED" | "FRAUD" | "INVENTORY" | "OTHER" | "STAFF";

export interface Address {
  id: number;
  firstName: string | null;
  lastName: string | null;
  company: string | null;
  address1: string;
  address2: string | null;
  city: string;
  province: string;
  provinceCode: string;
  country: string;
  countryCode: string;
  zip: string;
  phone: string | null;
}

export interface Customer {
  id: number;
  email: string | null;
  firstName: string | null;
  lastName: string | null;
  phone: string | null;
  state: CustomerState;
  tags: string[];
  verifiedEmail: boolean;
  note: string | null;
  taxExempt: boolean;
  address: Address | null;
  createdAt: number;
  updatedAt: number;
  // Derived from the customer's orders, kept up to date by the store.
  numberOfOrders: number;
  amountSpentCents: number;
  lastOrderId: number | null;
}

export interface LineItem {
  id: number;
  title: string;
  variantTitle: string | null;
  sku: string | null;
  vendor: string | null;
  quantity: number;
  priceCents: number;
  productId: number | null;
  variantId: number | null;
  requiresShipping: boolean;
  grams: number;
}

export interface Order {
  id: number;
  number: number;
  name: string;
  email: string | null;
  phone: string | null;
  customerId: number | null;
  createdAt: number;
  updatedAt: number;
  processedAt: number;
  cancelledAt: number | null;
  cancelReason: CancelReason | null;
  closedAt: number | null;
  financialStatus: FinancialStatus;
  fulfillmentStatus: FulfillmentStatus;
  test: boolean;
  tags: string[];
  note: string | null;
  sourceName: string;
  lineItems: LineItem[];
  subtotalCents: number;
  shippingCents: number;
  taxCents: number;
  discountCents: number;
  totalCents: number;
  /** What refunds gave back; the order's current total is totalCents - refundedCents. */
  refundedCents: number;
  shippingAddress: Address | null;
}

/** The order's total after refunds (REST current_total_price, GraphQL currentTotalPriceSet). */
export function currentTotalCents(order: Order): number {
  return order.totalCents - order.refundedCents;
}

export interface ShopPlan {
  displayName: string;
  publicDisplayName: string;
  partnerDevelopment: boolean;
  shopifyPlus: boolean;
}

export interface ShopInfo {
  id: number;
  domain: string; // {handle}.myshopify.com
  handle: string;
  name: string;
  email: string;
  currencyCode: string;
  ianaTimezone: string;
  plan: ShopPlan;
  createdAt: number;
}

/** A catalog variant that generated line items point at. */
export interface CatalogVariant {
  productId: number;
  variantId: number;
  productTitle: string;
  variantTitle: string | null;
  sku: string;
  vendor: string;
  priceCents: number;
  grams: number;
}
