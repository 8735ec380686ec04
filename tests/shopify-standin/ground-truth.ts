// The store's ground truth in the shape Recur's tests compare against (GraphQL field names,
// numeric ids as strings, GraphQL Decimal strings, ISO timestamps in UTC).
import { graphqlDecimal, isoUtc } from "./format.ts";
import { currentTotalCents } from "./model.ts";
import type { Customer, CustomerState, Order } from "./model.ts";
import type { Shop } from "./shop.ts";

export interface GroundTruthCustomer {
  id: string;
  email: string | null;
  firstName: string | null;
  lastName: string | null;
  phone: string | null;
  state: CustomerState;
  tags: string[];
  verifiedEmail: boolean;
  numberOfOrders: number;
  amountSpent: string;
  currencyCode: string;
  createdAt: string;
  updatedAt: string;
}

export interface GroundTruthLineItem {
  id: string;
  title: string;
  variantTitle: string | null;
  sku: string | null;
  quantity: number;
  price: string;
  productId: string | null;
  variantId: string | null;
}

export interface GroundTruthOrder {
  id: string;
  name: string;
  email: string | null;
  customerId: string | null;
  createdAt: string;
  updatedAt: string;
  processedAt: string;
  cancelledAt: string | null;
  cancelReason: string | null;
  displayFinancialStatus: string;
  displayFulfillmentStatus: string;
  currencyCode: string;
  totalPrice: string;
  subtotalPrice: string;
  currentTotalPrice: string;
  test: boolean;
  tags: string[];
  lineItems: GroundTruthLineItem[];
}

export interface GroundTruth {
  customers: GroundTruthCustomer[];
  orders: GroundTruthOrder[];
}

export function groundTruthCustomer(shop: Shop, c: Customer): GroundTruthCustomer {
  return {
    id: String(c.id),
    email: c.email,
    firstName: c.firstName,
    lastName: c.lastName,
    phone: c.phone,
    state: c.state,
    tags: [...c.tags],
    verifiedEmail: c.verifiedEmail,
    numberOfOrders: c.numberOfOrders,
    amountSpent: graphqlDecimal(c.amountSpentCents),
    currencyCode: shop.info.currencyCode,
    createdAt: isoUtc(c.createdAt),
    updatedAt: isoUtc(c.updatedAt),
  };
}

export function groundTruthOrder(shop: Shop, o: Order): GroundTruthOrder {
  return {
    id: String(o.id),
    name: o.name,
    email: o.email,
    customerId: o.customerId === null ? null : String(o.customerId),
    createdAt: isoUtc(o.createdAt),
    updatedAt: isoUtc(o.updatedAt),
    processedAt: isoUtc(o.processedAt),
    cancelledAt: o.cancelledAt === null ? null : isoUtc(o.cancelledAt),
    cancelReason: o.cancelReason,
    displayFinancialStatus: o.financialStatus,
    displayFulfillmentStatus: o.fulfillmentStatus,
    currencyCode: shop.info.currencyCode,
    totalPrice: graphqlDecimal(o.totalCents),
    subtotalPrice: graphqlDecimal(o.subtotalCents),
    currentTotalPrice: graphqlDecimal(currentTotalCents(o)),
    test: o.test,
    tags: [...o.tags],
    lineItems: o.lineItems.map((item) => ({
      id: String(item.id),
      title: item.title,
      variantTitle: item.variantTitle,
      sku: item.sku,
      quantity: item.quantity,
      price: graphqlDecimal(item.priceCents),
      productId: item.productId === null ? null : String(item.productId),
      variantId: item.variantId === null ? null : String(item.variantId),
    })),
  };
}

export function groundTruth(shop: Shop): GroundTruth {
  return {
    customers: [...shop.customers.values()].map((c) => groundTruthCustomer(shop, c)),
    orders: [...shop.orders.values()].map((o) => groundTruthOrder(shop, o)),
  };
}
