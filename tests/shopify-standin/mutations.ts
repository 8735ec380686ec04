// Changes to a shop's data, each stamped by the shop's clock and announced with the webhooks
// Shopify would send for it.
import {
  CANCEL_REASONS,
  CUSTOMER_TAGS,
  ORDER_TAGS,
  generateAddress,
  newCustomerFields,
  orderTotals,
  pickLineItems,
  pickTags,
  shopCountry,
  taxRate,
} from "./generator.ts";
import { parseId, parseMoney } from "./format.ts";
import type {
  CancelReason,
  Customer,
  CustomerState,
  FinancialStatus,
  FulfillmentStatus,
  LineItem,
  Order,
} from "./model.ts";
import {
  purchasingSummary,
  restCustomer,
  restCustomerDeleted,
  restOrder,
  restOrderDeleted,
  tagsChanged,
} from "./rest.ts";
import type { Shop } from "./shop.ts";

export class StandInError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** Announces a change: topic, REST-shaped payload and the logical second it happened at. */
export type Emit = (shop: Shop, topic: string, payload: unknown, atSeconds: number) => void;

export interface CustomerInput {
  email?: string | null;
  firstName?: string | null;
  lastName?: string | null;
  phone?: string | null;
  state?: CustomerState;
  tags?: string[];
  verifiedEmail?: boolean;
  note?: string | null;
}

export interface LineItemInput {
  title?: string;
  variantTitle?: string | null;
  sku?: string | null;
  quantity?: number;
  price?: string | number;
  productId?: string | null;
  /** A catalog variant (numeric id or GID); fills title, price, sku and product. */
  variantId?: string | null;
}

export interface OrderInput {
  customerId?: string | null;
  email?: string | null;
  lineItems?: LineItemInput[];
  financialStatus?: FinancialStatus;
  fulfillmentStatus?: FulfillmentStatus;
  test?: boolean;
  tags?: string[];
  note?: string | null;
  shippingPrice?: string | number;
}

export interface OrderPatch {
  email?: string | null;
  tags?: string[];
  note?: string | null;
  financialStatus?: FinancialStatus;
  fulfillmentStatus?: FulfillmentStatus;
  /** Cancels the order (reason defaults to OTHER). */
  cancel?: boolean | { reason?: CancelReason };
  customerId?: string | null;
  /**
   * Refunds this amount (a decimal string, capped at what is left): the order becomes
   * PARTIALLY_REFUNDED, or REFUNDED when nothing is left, and its current total drops by as much.
   */
  refund?: string;
}

export interface Change {
  kind:
    | "customer_created"
    | "customer_updated"
    | "customer_deleted"
    | "order_created"
    | "order_updated"
    | "order_deleted";
  id: string;
}

const STATES: CustomerState[] = ["ENABLED", "DISABLED", "INVITED", "DECLINED"];

function requireCustomer(shop: Shop, id: string): Customer {
  const numeric = parseId(id, "Customer");
  const customer = numeric === null ? undefined : shop.customers.get(numeric);
  if (!customer) throw new StandInError(404, `Customer ${id} not found in ${shop.domain}`);
  return customer;
}

function requireOrder(shop: Shop, id: string): Order {
  const numeric = parseId(id, "Order");
  const order = numeric === null ? undefined : shop.orders.get(numeric);
  if (!order) throw new StandInError(404, `Order ${id} not found in ${shop.domain}`);
  return order;
}

function normaliseTags(tags: readonly string[]): string[] {
  return [...new Set(tags.map((t) => t.trim()).filter(Boolean))].sort();
}

function emitCustomerUpdate(shop: Shop, emit: Emit, customer: Customer, before: readonly string[]) {
  emit(shop, "customers/update", restCustomer(shop, customer), customer.updatedAt);
  const added = customer.tags.filter((t) => !before.includes(t));
  const removed = before.filter((t) => !customer.tags.includes(t));
  const at = Math.max(Date.now(), customer.updatedAt * 1000);
  if (added.length > 0)
    emit(shop, "customer.tags_added", tagsChanged(customer, added, at), customer.updatedAt);
  if (removed.length > 0)
    emit(shop, "customer.tags_removed", tagsChanged(customer, removed, at), customer.updatedAt);
}

/** After an order change: refresh the customer's statistics, and if they moved, say so. */
function touchCustomerStats(shop: Shop, emit: Emit, customerId: number | null) {
  if (customerId === null) return;
  const customer = shop.customers.get(customerId);
  if (!customer || !shop.recomputeStats(customer)) return;
  customer.updatedAt = shop.clock.stamp(customer.updatedAt);
  emit(shop, "customers/update", restCustomer(shop, customer), customer.updatedAt);
  const at = Math.max(Date.now(), customer.updatedAt * 1000);
  emit(
    shop,
    "customers/purchasing_summary",
    purchasingSummary(shop, customer, at),
    customer.updatedAt,
  );
}

export function createCustomer(shop: Shop, emit: Emit, input: CustomerInput = {}): Customer {
  const id = shop.ids.customer++;
  const random = newCustomerFields(shop.faker, id % 1_000_000);
  const at = shop.clock.stamp();
  const customer: Customer = {
    id,
    email: input.email !== undefined ? input.email : random.email,
    firstName: input.firstName !== undefined ? input.firstName : random.firstName,
    lastName: input.lastName !== undefined ? input.lastName : random.lastName,
    phone: input.phone !== undefined ? input.phone : random.phone,
    state: input.state ?? random.state,
    tags: normaliseTags(input.tags ?? random.tags),
    verifiedEmail: input.verifiedEmail ?? random.verifiedEmail,
    note: input.note !== undefined ? input.note : null,
    taxExempt: false,
    address: generateAddress(
      shop.faker,
      shop.ids.address++,
      input.firstName !== undefined ? input.firstName : random.firstName,
      input.lastName !== undefined ? input.lastName : random.lastName,
      shopCountry(shop.info.currencyCode),
    ),
    createdAt: at,
    updatedAt: at,
    numberOfOrders: 0,
    amountSpentCents: 0,
    lastOrderId: null,
  };
  shop.customers.set(id, customer);
  emit(shop, "customers/create", restCustomer(shop, customer), at);
  if (customer.tags.length > 0) {
    emit(
      shop,
      "customer.tags_added",
      tagsChanged(customer, customer.tags, Math.max(Date.now(), at * 1000)),
      at,
    );
  }
  return customer;
}

export function updateCustomer(
  shop: Shop,
  emit: Emit,
  id: string,
  patch: CustomerInput = {},
): Customer {
  const customer = requireCustomer(shop, id);
  const before = [...customer.tags];
  const effective = Object.keys(patch).length > 0 ? patch : randomCustomerPatch(shop, customer);
  if (effective.email !== undefined) customer.email = effective.email;
  if (effective.firstName !== undefined) customer.firstName = effective.firstName;
  if (effective.lastName !== undefined) customer.lastName = effective.lastName;
  if (effective.phone !== undefined) customer.phone = effective.phone;
  if (effective.state !== undefined) customer.state = effective.state;
  if (effective.tags !== undefined) customer.tags = normaliseTags(effective.tags);
  if (effective.verifiedEmail !== undefined) customer.verifiedEmail = effective.verifiedEmail;
  if (effective.note !== undefined) customer.note = effective.note;
  customer.updatedAt = shop.clock.stamp(customer.updatedAt);
  emitCustomerUpdate(shop, emit, customer, before);
  return customer;
}

export function deleteCustomer(shop: Shop, emit: Emit, id: string): void {
  const customer = requireCustomer(shop, id);
  if ((shop.ordersByCustomer.get(customer.id)?.size ?? 0) > 0) {
    throw new StandInError(
      422,
      "Error deleting customer: Customer can’t be deleted because they have orders",
    );
  }
  const at = shop.clock.stamp(customer.updatedAt);
  shop.customers.delete(customer.id);
  shop.ordersByCustomer.delete(customer.id);
  emit(shop, "customers/delete", restCustomerDeleted(customer), at);
}

function lineItemsFromInput(shop: Shop, inputs: readonly LineItemInput[]): LineItem[] {
  return inputs.map((input) => {
    const variantId = input.variantId ? parseId(input.variantId, "ProductVariant") : null;
    const variant =
      variantId === null ? undefined : shop.catalog.find((v) => v.variantId === variantId);
    const productId = input.productId
      ? parseId(input.productId, "Product")
      : (variant?.productId ?? null);
    return {
      id: shop.ids.lineItem++,
      title: input.title ?? variant?.productTitle ?? "Custom item",
      variantTitle:
        input.variantTitle !== undefined ? input.variantTitle : (variant?.variantTitle ?? null),
      sku: input.sku !== undefined ? input.sku : (variant?.sku ?? null),
      vendor: variant?.vendor ?? null,
      quantity: input.quantity ?? 1,
      priceCents:
        input.price !== undefined ? parseMoney(input.price) : (variant?.priceCents ?? 1000),
      productId,
      variantId: variant ? variant.variantId : variantId,
      requiresShipping: variant !== undefined,
      grams: variant?.grams ?? 0,
    };
  });
}

export function createOrder(shop: Shop, emit: Emit, input: OrderInput = {}): Order {
  const faker = shop.faker;
  let customer: Customer | null = null;
  if (input.customerId !== undefined && input.customerId !== null) {
    customer = requireCustomer(shop, input.customerId);
  } else if (input.customerId === undefined && faker.number.int(9) !== 0) {
    const id = shop.randomCustomerId();
    customer = id === undefined ? null : (shop.customers.get(id) ?? null);
  }
  const lineItems = input.lineItems
    ? lineItemsFromInput(shop, input.lineItems)
    : pickLineItems(faker, shop.catalog, shop.ids);
  const shipping =
    input.shippingPrice !== undefined
      ? parseMoney(input.shippingPrice)
      : lineItems.some((i) => i.requiresShipping)
        ? 500
        : 0;
  const totals = orderTotals(lineItems, 0, shipping, taxRate(shop.info.currencyCode));
  const at = shop.clock.stamp();
  const number = shop.ids.orderNumber++;
  const order: Order = {
    id: shop.ids.order++,
    number: number - 1000,
    name: `#${number}`,
    email: input.email !== undefined ? input.email : (customer?.email ?? null),
    phone: customer?.phone ?? null,
    customerId: customer?.id ?? null,
    createdAt: at,
    updatedAt: at,
    processedAt: at,
    cancelledAt: null,
    cancelReason: null,
    closedAt: null,
    financialStatus: input.financialStatus ?? "PAID",
    fulfillmentStatus: input.fulfillmentStatus ?? "UNFULFILLED",
    test: input.test ?? false,
    tags: normaliseTags(input.tags ?? pickTags(faker, ORDER_TAGS)),
    note: input.note ?? null,
    sourceName: "web",
    lineItems,
    ...totals,
    refundedCents: 0,
    shippingAddress: customer?.address ?? null,
  };
  shop.orders.set(order.id, order);
  if (order.customerId !== null) shop.indexOrder(order.customerId, order.id);
  emit(shop, "orders/create", restOrder(shop, order), at);
  touchCustomerStats(shop, emit, order.customerId);
  return order;
}

export function updateOrder(shop: Shop, emit: Emit, id: string, patch: OrderPatch = {}): Order {
  const order = requireOrder(shop, id);
  const effective = Object.keys(patch).length > 0 ? patch : randomOrderPatch(shop, order);
  const previousCustomer = order.customerId;
  const at = shop.clock.stamp(order.updatedAt);
  if (effective.email !== undefined) order.email = effective.email;
  if (effective.tags !== undefined) order.tags = normaliseTags(effective.tags);
  if (effective.note !== undefined) order.note = effective.note;
  if (effective.financialStatus !== undefined) order.financialStatus = effective.financialStatus;
  if (effective.refund !== undefined) {
    const left = order.totalCents - order.refundedCents;
    order.refundedCents += Math.min(left, Math.max(0, parseMoney(effective.refund)));
    if (effective.financialStatus === undefined) {
      order.financialStatus =
        order.refundedCents >= order.totalCents ? "REFUNDED" : "PARTIALLY_REFUNDED";
    }
  }
  if (effective.fulfillmentStatus !== undefined)
    order.fulfillmentStatus = effective.fulfillmentStatus;
  if (effective.cancel && order.cancelledAt === null) {
    order.cancelledAt = at;
    order.closedAt = at;
    order.cancelReason =
      (typeof effective.cancel === "object" ? effective.cancel.reason : undefined) ?? "OTHER";
    if (effective.financialStatus === undefined) {
      order.financialStatus =
        order.financialStatus === "PAID" || order.financialStatus === "PARTIALLY_REFUNDED"
          ? "REFUNDED"
          : "VOIDED";
    }
  }
  // A full refund gives back whatever was left.
  if (order.financialStatus === "REFUNDED") order.refundedCents = order.totalCents;
  if (effective.customerId !== undefined) {
    const customer =
      effective.customerId === null ? null : requireCustomer(shop, effective.customerId);
    if (previousCustomer !== null) shop.unindexOrder(previousCustomer, order.id);
    order.customerId = customer?.id ?? null;
    if (customer) shop.indexOrder(customer.id, order.id);
  }
  order.updatedAt = at;
  emit(shop, "orders/updated", restOrder(shop, order), at);
  touchCustomerStats(shop, emit, order.customerId);
  if (previousCustomer !== order.customerId) touchCustomerStats(shop, emit, previousCustomer);
  return order;
}

export function deleteOrder(shop: Shop, emit: Emit, id: string): void {
  const order = requireOrder(shop, id);
  const at = shop.clock.stamp(order.updatedAt);
  shop.orders.delete(order.id);
  if (order.customerId !== null) shop.unindexOrder(order.customerId, order.id);
  emit(shop, "orders/delete", restOrderDeleted(order), at);
  touchCustomerStats(shop, emit, order.customerId);
}

function randomCustomerPatch(shop: Shop, customer: Customer): CustomerInput {
  const faker = shop.faker;
  switch (faker.number.int(5)) {
    case 0: {
      const tag = faker.helpers.arrayElement(CUSTOMER_TAGS);
      return {
        tags: customer.tags.includes(tag)
          ? customer.tags.filter((t) => t !== tag)
          : [...customer.tags, tag],
      };
    }
    case 1:
      return { phone: `+1${faker.string.numeric({ length: 10, allowLeadingZeros: false })}` };
    case 2:
      return { lastName: faker.person.lastName() };
    case 3:
      return { state: faker.helpers.arrayElement(STATES.filter((s) => s !== customer.state)) };
    case 4:
      return { note: faker.lorem.sentence() };
    default:
      return { verifiedEmail: !customer.verifiedEmail };
  }
}

function randomOrderPatch(shop: Shop, order: Order): OrderPatch {
  const faker = shop.faker;
  if (order.cancelledAt === null && faker.number.int(9) === 0) {
    return { cancel: { reason: faker.helpers.arrayElement(CANCEL_REASONS) } };
  }
  if (order.financialStatus === "PENDING" || order.financialStatus === "AUTHORIZED") {
    return { financialStatus: "PAID" };
  }
  if (order.cancelledAt === null && order.fulfillmentStatus === "UNFULFILLED") {
    return { fulfillmentStatus: "FULFILLED" };
  }
  if (order.financialStatus === "PAID" && faker.number.int(4) === 0) {
    return { financialStatus: "REFUNDED" };
  }
  return { tags: pickTags(faker, ORDER_TAGS) };
}

export interface BurstWeights {
  createCustomer?: number;
  updateCustomer?: number;
  deleteCustomer?: number;
  createOrder?: number;
  updateOrder?: number;
  deleteOrder?: number;
}

const DEFAULT_WEIGHTS: Required<BurstWeights> = {
  createCustomer: 10,
  updateCustomer: 30,
  deleteCustomer: 3,
  createOrder: 25,
  updateOrder: 27,
  deleteOrder: 5,
};

function deletableCustomerId(shop: Shop): number | undefined {
  // Shopify only deletes customers without orders; look at a few random ones, newest first.
  for (let i = 0; i < 64; i++) {
    const id = shop.randomCustomerId(i < 32);
    if (id !== undefined && (shop.ordersByCustomer.get(id)?.size ?? 0) === 0) return id;
  }
  return undefined;
}

/** Applies `count` random changes, as a busy shop would see them. */
export function burst(shop: Shop, emit: Emit, count: number, weights: BurstWeights = {}): Change[] {
  const w = { ...DEFAULT_WEIGHTS, ...weights };
  const faker = shop.faker;
  const changes: Change[] = [];
  for (let i = 0; i < count; i++) {
    const kind = faker.helpers.weightedArrayElement([
      { weight: w.createCustomer, value: "createCustomer" as const },
      { weight: w.updateCustomer, value: "updateCustomer" as const },
      { weight: w.deleteCustomer, value: "deleteCustomer" as const },
      { weight: w.createOrder, value: "createOrder" as const },
      { weight: w.updateOrder, value: "updateOrder" as const },
      { weight: w.deleteOrder, value: "deleteOrder" as const },
    ]);
    if (kind === "updateCustomer" || kind === "deleteCustomer") {
      let id = shop.randomCustomerId(faker.number.int(1) === 0);
      if (kind === "deleteCustomer") id = deletableCustomerId(shop);
      if (id === undefined) {
        changes.push({ kind: "customer_created", id: String(createCustomer(shop, emit).id) });
      } else if (kind === "deleteCustomer") {
        deleteCustomer(shop, emit, String(id));
        changes.push({ kind: "customer_deleted", id: String(id) });
      } else {
        updateCustomer(shop, emit, String(id));
        changes.push({ kind: "customer_updated", id: String(id) });
      }
    } else if (kind === "updateOrder" || kind === "deleteOrder") {
      const id = shop.randomOrderId(faker.number.int(1) === 0);
      if (id === undefined) {
        changes.push({ kind: "order_created", id: String(createOrder(shop, emit).id) });
      } else if (kind === "deleteOrder") {
        deleteOrder(shop, emit, String(id));
        changes.push({ kind: "order_deleted", id: String(id) });
      } else {
        updateOrder(shop, emit, String(id));
        changes.push({ kind: "order_updated", id: String(id) });
      }
    } else if (kind === "createCustomer") {
      changes.push({ kind: "customer_created", id: String(createCustomer(shop, emit).id) });
    } else {
      changes.push({ kind: "order_created", id: String(createOrder(shop, emit).id) });
    }
  }
  return changes;
}
