// REST-shaped resources as Shopify puts them in webhook payloads (API 2026-10). Field lists follow
// the example payloads on shopify.dev (Webhooks reference); see README for the GraphQL mapping.
import { createHash } from "node:crypto";
import { gid, restMoney, restTags, restTime, restTimeOrNull } from "./format.ts";
import { currentTotalCents } from "./model.ts";
import type { Address, Customer, FulfillmentStatus, LineItem, Order } from "./model.ts";
import type { Shop } from "./shop.ts";

export function restState(state: Customer["state"]): string {
  return state.toLowerCase();
}

export function restFinancialStatus(status: Order["financialStatus"]): string {
  return status.toLowerCase();
}

export function restFulfillmentStatus(status: FulfillmentStatus): string | null {
  switch (status) {
    case "UNFULFILLED":
      return null;
    case "PARTIALLY_FULFILLED":
      return "partial";
    case "FULFILLED":
      return "fulfilled";
    case "RESTOCKED":
      return "restocked";
    // Nothing fulfilled yet: REST has only null for all of these (GraphQL tells them apart).
    case "FULFILLMENT_NOT_REQUIRED":
    case "IN_PROGRESS":
    case "ON_HOLD":
    case "OPEN":
    case "PENDING_FULFILLMENT":
    case "REQUEST_DECLINED":
    case "SCHEDULED":
      return null;
  }
}

function moneySet(cents: number, currency: string) {
  const amount = restMoney(cents);
  return {
    shop_money: { amount, currency_code: currency },
    presentment_money: { amount, currency_code: currency },
  };
}

function restAddress(address: Address, customerId?: number) {
  const name = [address.firstName, address.lastName].filter(Boolean).join(" ");
  return {
    ...(address.id && customerId !== undefined ? { id: address.id, customer_id: customerId } : {}),
    first_name: address.firstName,
    last_name: address.lastName,
    company: address.company,
    address1: address.address1,
    address2: address.address2,
    city: address.city,
    province: address.province,
    country: address.country,
    zip: address.zip,
    phone: address.phone,
    name,
    province_code: address.provinceCode,
    country_code: address.countryCode,
    country_name: address.country,
    ...(customerId !== undefined ? { default: true } : {}),
  };
}

/** The customer as `customers/create`, `customers/update` (and orders' `customer`) carry it. */
export function restCustomer(shop: Shop, customer: Customer, { withAddresses = true } = {}) {
  const tz = shop.info.ianaTimezone;
  const address = customer.address ? restAddress(customer.address, customer.id) : null;
  return {
    id: customer.id,
    created_at: restTime(customer.createdAt, tz),
    updated_at: restTime(customer.updatedAt, tz),
    first_name: customer.firstName,
    last_name: customer.lastName,
    state: restState(customer.state),
    note: customer.note,
    verified_email: customer.verifiedEmail,
    multipass_identifier: null,
    tax_exempt: customer.taxExempt,
    email: customer.email,
    phone: customer.phone,
    currency: shop.info.currencyCode,
    ...(withAddresses ? { addresses: address ? [address] : [] } : {}),
    tax_exemptions: [],
    admin_graphql_api_id: gid("Customer", customer.id),
    ...(address ? { default_address: address } : {}),
  };
}

export function restCustomerDeleted(customer: Customer) {
  return {
    id: customer.id,
    tax_exemptions: [],
    admin_graphql_api_id: gid("Customer", customer.id),
  };
}

function restLineItem(item: LineItem, currency: string, fulfilled: boolean) {
  const zero = moneySet(0, currency);
  return {
    id: item.id,
    admin_graphql_api_id: gid("LineItem", item.id),
    attributed_staffs: [],
    current_quantity: item.quantity,
    fulfillable_quantity: fulfilled ? 0 : item.quantity,
    fulfillment_service: "manual",
    fulfillment_status: fulfilled ? "fulfilled" : null,
    gift_card: false,
    grams: item.grams,
    name: item.variantTitle ? `${item.title} - ${item.variantTitle}` : item.title,
    price: restMoney(item.priceCents),
    price_set: moneySet(item.priceCents, currency),
    product_exists: item.productId !== null,
    product_id: item.productId,
    properties: [],
    quantity: item.quantity,
    requires_shipping: item.requiresShipping,
    sales_line_item_group_id: null,
    sku: item.sku,
    taxable: true,
    title: item.title,
    total_discount: "0.00",
    total_discount_set: zero,
    variant_id: item.variantId,
    variant_inventory_management: item.variantId === null ? null : "shopify",
    variant_title: item.variantTitle,
    vendor: item.vendor,
    tax_lines: [],
    duties: [],
    discount_allocations: [],
  };
}

/** The order as `orders/create` and `orders/updated` carry it. */
export function restOrder(shop: Shop, order: Order) {
  const tz = shop.info.ianaTimezone;
  const currency = shop.info.currencyCode;
  const customer = order.customerId === null ? undefined : shop.customers.get(order.customerId);
  const lineItemsCents = order.lineItems.reduce((s, i) => s + i.priceCents * i.quantity, 0);
  const fulfilled = order.fulfillmentStatus === "FULFILLED";
  const address = order.shippingAddress ? restAddress(order.shippingAddress) : null;
  const outstanding =
    order.financialStatus === "PENDING" || order.financialStatus === "AUTHORIZED"
      ? order.totalCents
      : 0;
  const zero = moneySet(0, currency);
  const token = createHash("md5").update(`${shop.domain}/${order.id}`).digest("hex");
  // Keys in the order of Shopify's example payload for orders/create (API 2026-04).
  return {
    id: order.id,
    admin_graphql_api_id: gid("Order", order.id),
    app_id: null,
    browser_ip: null,
    buyer_accepts_marketing: false,
    cancel_reason: order.cancelReason === null ? null : order.cancelReason.toLowerCase(),
    cancelled_at: restTimeOrNull(order.cancelledAt, tz),
    cart_token: null,
    checkout_token: null,
    client_details: null,
    closed_at: restTimeOrNull(order.closedAt, tz),
    confirmation_number: token.slice(0, 9).toUpperCase(),
    confirmed: true,
    contact_email: order.email,
    created_at: restTime(order.createdAt, tz),
    currency,
    current_shipping_price_set: moneySet(order.shippingCents, currency),
    current_subtotal_price: restMoney(order.subtotalCents),
    current_subtotal_price_set: moneySet(order.subtotalCents, currency),
    current_total_additional_fees_set: null,
    current_total_discounts: restMoney(order.discountCents),
    current_total_discounts_set: moneySet(order.discountCents, currency),
    current_total_duties_set: null,
    current_total_price: restMoney(currentTotalCents(order)),
    current_total_price_set: moneySet(currentTotalCents(order), currency),
    current_total_tax: restMoney(order.taxCents),
    current_total_tax_set: moneySet(order.taxCents, currency),
    customer_locale: "en",
    device_id: null,
    discount_codes: [],
    duties_included: false,
    email: order.email,
    estimated_taxes: false,
    financial_status: restFinancialStatus(order.financialStatus),
    fulfillment_status: restFulfillmentStatus(order.fulfillmentStatus),
    landing_site: null,
    landing_site_ref: null,
    location_id: null,
    merchant_business_entity_id: Buffer.from(String(shop.info.id))
      .toString("base64")
      .replace(/=+$/, ""),
    merchant_of_record_app_id: null,
    name: order.name,
    note: order.note,
    note_attributes: [],
    number: order.number,
    order_number: order.number + 1000,
    order_status_url: `https://${shop.domain}/${shop.info.id}/orders/${token}/authenticate?key=${token.slice(0, 16)}`,
    original_total_additional_fees_set: null,
    original_total_duties_set: null,
    payment_gateway_names: ["bogus"],
    phone: order.phone,
    po_number: null,
    presentment_currency: currency,
    processed_at: restTime(order.processedAt, tz),
    reference: null,
    referring_site: null,
    source_identifier: null,
    source_name: order.sourceName,
    source_url: null,
    subtotal_price: restMoney(order.subtotalCents),
    subtotal_price_set: moneySet(order.subtotalCents, currency),
    tags: restTags(order.tags),
    tax_exempt: false,
    tax_lines: [],
    taxes_included: false,
    test: order.test,
    token,
    total_cash_rounding_payment_adjustment_set: zero,
    total_cash_rounding_refund_adjustment_set: zero,
    total_discounts: restMoney(order.discountCents),
    total_discounts_set: moneySet(order.discountCents, currency),
    total_line_items_price: restMoney(lineItemsCents),
    total_line_items_price_set: moneySet(lineItemsCents, currency),
    total_outstanding: restMoney(outstanding),
    total_price: restMoney(order.totalCents),
    total_price_set: moneySet(order.totalCents, currency),
    total_shipping_price_set: moneySet(order.shippingCents, currency),
    total_tax: restMoney(order.taxCents),
    total_tax_set: moneySet(order.taxCents, currency),
    total_tip_received: "0.00",
    total_weight: order.lineItems.reduce((s, i) => s + i.grams * i.quantity, 0),
    updated_at: restTime(order.updatedAt, tz),
    user_id: null,
    billing_address: address,
    ...(customer ? { customer: restCustomer(shop, customer, { withAddresses: false }) } : {}),
    discount_applications: [],
    fulfillments: shop.shapes.fulfillmentsAndRefunds ? restFulfillments(shop, order) : [],
    line_items: order.lineItems.map((item) => restLineItem(item, currency, fulfilled)),
    payment_terms: null,
    refunds: shop.shapes.fulfillmentsAndRefunds ? restRefunds(shop, order) : [],
    shipping_address: address,
    shipping_lines:
      order.shippingCents > 0
        ? [
            {
              id: order.id + 50_000_000,
              carrier_identifier: null,
              code: "Standard",
              current_discounted_price_set: moneySet(order.shippingCents, currency),
              discounted_price: restMoney(order.shippingCents),
              discounted_price_set: moneySet(order.shippingCents, currency),
              is_removed: false,
              phone: null,
              price: restMoney(order.shippingCents),
              price_set: moneySet(order.shippingCents, currency),
              requested_fulfillment_service_id: null,
              source: "shopify",
              title: "Standard",
              tax_lines: [],
              discount_allocations: [],
            },
          ]
        : [],
    returns: [],
    line_item_groups: [],
  };
}

/**
 * `fulfillments[]` as Shopify's order bodies carry them: each repeats its line items in full. A
 * fulfilled order has one fulfillment of every item; a partially fulfilled one, of the first half.
 */
function restFulfillments(shop: Shop, order: Order) {
  const status = order.fulfillmentStatus;
  if (status !== "FULFILLED" && status !== "PARTIALLY_FULFILLED") return [];
  const tz = shop.info.ianaTimezone;
  const currency = shop.info.currencyCode;
  const items =
    status === "FULFILLED"
      ? order.lineItems
      : order.lineItems.slice(0, Math.max(1, Math.floor(order.lineItems.length / 2)));
  const id = order.id + 70_000_000;
  return [
    {
      id,
      admin_graphql_api_id: `gid://shopify/Fulfillment/${id}`,
      created_at: restTime(order.updatedAt, tz),
      location_id: shop.info.id + 1,
      name: `${order.name}.1`,
      order_id: order.id,
      origin_address: {},
      receipt: {},
      service: "manual",
      shipment_status: null,
      status: "success",
      tracking_company: null,
      tracking_number: null,
      tracking_numbers: [],
      tracking_url: null,
      tracking_urls: [],
      updated_at: restTime(order.updatedAt, tz),
      line_items: items.map((item) => restLineItem(item, currency, true)),
    },
  ];
}

/**
 * `refunds[]`: a refunded order has one refund whose `refund_line_items[]` each repeat their
 * `line_item` in full (a full refund: every item; a partial one: the first).
 */
function restRefunds(shop: Shop, order: Order) {
  if (order.refundedCents <= 0) return [];
  const tz = shop.info.ianaTimezone;
  const currency = shop.info.currencyCode;
  const fulfilled = order.fulfillmentStatus === "FULFILLED";
  const items =
    order.refundedCents >= order.totalCents ? order.lineItems : order.lineItems.slice(0, 1);
  const id = order.id + 80_000_000;
  return [
    {
      id,
      admin_graphql_api_id: `gid://shopify/Refund/${id}`,
      created_at: restTime(order.updatedAt, tz),
      note: null,
      order_id: order.id,
      processed_at: restTime(order.updatedAt, tz),
      restock: false,
      total_duties_set: moneySet(0, currency),
      user_id: null,
      order_adjustments: [],
      transactions: [],
      refund_line_items: items.map((item, index) => ({
        id: id * 10 + index,
        line_item_id: item.id,
        location_id: null,
        quantity: item.quantity,
        restock_type: "no_restock",
        subtotal: restMoney(item.priceCents * item.quantity),
        subtotal_set: moneySet(item.priceCents * item.quantity, currency),
        total_tax: "0.00",
        total_tax_set: moneySet(0, currency),
        line_item: restLineItem(item, currency, fulfilled),
      })),
      duties: [],
    },
  ];
}

export function restOrderDeleted(order: Order) {
  return { id: order.id };
}

/** `customers/purchasing_summary` (2025-01+): the statistics removed from customer payloads. */
export function purchasingSummary(shop: Shop, customer: Customer, occurredAtMs: number) {
  return {
    customerId: gid("Customer", customer.id),
    numberOfOrders: customer.numberOfOrders,
    amountSpent: {
      amount: restMoney(customer.amountSpentCents),
      currencyCode: shop.info.currencyCode,
    },
    lastOrderId: customer.lastOrderId === null ? null : gid("Order", customer.lastOrderId),
    occurredAt: new Date(occurredAtMs).toISOString(),
  };
}

/** `customer.tags_added` / `customer.tags_removed`. */
export function tagsChanged(customer: Customer, tags: string[], occurredAtMs: number) {
  return {
    customerId: gid("Customer", customer.id),
    tags,
    occurredAt: new Date(occurredAtMs).toISOString(),
  };
}

/** The shop resource, as `app/uninstalled` carries it. */
export function restShop(shop: Shop) {
  const body = restShopFields(shop);
  // Shopify's documented app/uninstalled body has these null (shapes.documentedNulls).
  if (!shop.shapes.documentedNulls) return body;
  const nulls = Object.fromEntries(DOCUMENTED_SHOP_NULLS.map((key) => [key, null]));
  return { ...body, ...nulls };
}

/** The keys the documented app/uninstalled body (shopify.dev webhook reference) sends as null. */
export const DOCUMENTED_SHOP_NULLS = [
  "domain",
  "source",
  "latitude",
  "longitude",
  "address2",
  "created_at",
  "updated_at",
  "iana_timezone",
  "taxes_included",
  "auto_configure_tax_inclusivity",
  "tax_shipping",
  "county_taxes",
  "plan_name",
  "myshopify_domain",
  "google_apps_domain",
  "google_apps_login_enabled",
  "password_enabled",
] as const;

function restShopFields(shop: Shop) {
  const info = shop.info;
  const tz = info.ianaTimezone;
  const symbol: Record<string, string> = { USD: "$", CAD: "$", AUD: "$", EUR: "€", GBP: "£" };
  const sign = symbol[info.currencyCode] ?? "";
  return {
    id: info.id,
    name: info.name,
    email: info.email,
    domain: info.domain,
    province: "",
    country: "US",
    address1: "",
    zip: "",
    city: "",
    source: null,
    phone: "",
    latitude: null,
    longitude: null,
    primary_locale: "en",
    address2: null,
    created_at: restTime(info.createdAt, tz),
    updated_at: restTime(info.createdAt, tz),
    country_code: "US",
    country_name: "United States",
    currency: info.currencyCode,
    customer_email: info.email,
    timezone: `(GMT) ${tz}`,
    iana_timezone: tz,
    shop_owner: "Stand-in Owner",
    money_format: `${sign}{{amount}}`,
    money_with_currency_format: `${sign}{{amount}} ${info.currencyCode}`,
    weight_unit: "kg",
    province_code: null,
    taxes_included: false,
    auto_configure_tax_inclusivity: null,
    tax_shipping: null,
    county_taxes: true,
    plan_display_name: info.plan.displayName,
    plan_name: info.plan.partnerDevelopment ? "partner_test" : "basic",
    has_discounts: false,
    has_gift_cards: false,
    myshopify_domain: info.domain,
    google_apps_domain: null,
    google_apps_login_enabled: null,
    money_in_emails_format: `${sign}{{amount}}`,
    money_with_currency_in_emails_format: `${sign}{{amount}} ${info.currencyCode}`,
    eligible_for_payments: true,
    requires_extra_payments_agreement: false,
    password_enabled: true,
    has_storefront: true,
    finances: true,
    primary_location_id: info.id + 1,
    checkout_api_supported: true,
    multi_location_enabled: true,
    setup_required: false,
    pre_launch_enabled: false,
    enabled_presentment_currencies: [info.currencyCode],
    marketing_sms_consent_enabled_at_checkout: false,
    transactional_sms_disabled: false,
  };
}
