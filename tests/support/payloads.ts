/** Webhook payloads as Shopify sends them (API 2026-10), for tests that send their own deliveries. */

/** customers/create and customers/update: since 2025-01 without tags or order statistics. */
export function restCustomer(id: number, updatedAt: string, fields: Record<string, unknown> = {}) {
  return {
    id,
    admin_graphql_api_id: `gid://shopify/Customer/${id}`,
    email: `customer${id}@example.com`,
    first_name: "Ada",
    last_name: "Lovelace",
    phone: null,
    state: "enabled",
    verified_email: true,
    created_at: "2024-01-01T00:00:00+00:00",
    updated_at: updatedAt,
    ...fields,
  };
}

export function purchasingSummary(
  id: number,
  occurredAt: string,
  numberOfOrders: number,
  amount: string,
) {
  return {
    customerId: `gid://shopify/Customer/${id}`,
    numberOfOrders,
    amountSpent: { amount, currencyCode: "EUR" },
    lastOrderId: null,
    occurredAt,
  };
}

export function tagsChanged(id: number, occurredAt: string, tags: string[]) {
  return { customerId: `gid://shopify/Customer/${id}`, tags, occurredAt };
}

export function restOrder(
  id: number,
  updatedAt: string,
  fields: Record<string, unknown> = {},
  lineItems: { id: number; quantity: number; price: string }[] = [
    { id: id * 10, quantity: 1, price: "25.00" },
  ],
) {
  return {
    id,
    admin_graphql_api_id: `gid://shopify/Order/${id}`,
    name: `#${id}`,
    email: "buyer@example.com",
    customer: { id: 7, admin_graphql_api_id: "gid://shopify/Customer/7" },
    created_at: "2024-01-01T00:00:00+00:00",
    processed_at: "2024-01-01T00:00:00+00:00",
    cancelled_at: null,
    cancel_reason: null,
    financial_status: "paid",
    fulfillment_status: null,
    currency: "EUR",
    total_price: "25.00",
    subtotal_price: "25.00",
    current_total_price: "25.00",
    test: false,
    tags: "",
    updated_at: updatedAt,
    line_items: lineItems.map((item) => ({
      id: item.id,
      admin_graphql_api_id: `gid://shopify/LineItem/${item.id}`,
      title: "Sweater",
      variant_title: "M",
      sku: "SW-M",
      quantity: item.quantity,
      price: item.price,
      product_id: 55,
      variant_id: 66,
    })),
    ...fields,
  };
}
