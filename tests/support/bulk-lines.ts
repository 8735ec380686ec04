/**
 * Lines of a bulk result for Recur's orders query, as Shopify writes them (before JSON), for tests
 * that build a result by hand.
 */
type Id = bigint | number;

const money = { shopMoney: { amount: "10.0", currencyCode: "EUR" } };

/** An order line; processed when created, paid and unfulfilled, 10 EUR. */
export function bulkOrderLine(
  id: Id,
  { customerId, createdAt, updatedAt }: { customerId?: Id; createdAt: string; updatedAt: string },
) {
  return {
    id: `gid://shopify/Order/${id}`,
    name: "#1",
    email: null,
    customer: customerId === undefined ? null : { id: `gid://shopify/Customer/${customerId}` },
    createdAt,
    updatedAt,
    processedAt: createdAt,
    cancelledAt: null,
    cancelReason: null,
    displayFinancialStatus: "PAID",
    displayFulfillmentStatus: "UNFULFILLED",
    currencyCode: "EUR",
    totalPriceSet: money,
    subtotalPriceSet: money,
    test: false,
    tags: [],
  };
}

/** A line item line of `orderId`: one sweater at 10 EUR. */
export function bulkLineItemLine(
  id: Id,
  orderId: Id,
  { productId, variantId }: { productId?: Id; variantId?: Id } = {},
) {
  return {
    id: `gid://shopify/LineItem/${id}`,
    __parentId: `gid://shopify/Order/${orderId}`,
    title: "Sweater",
    variantTitle: null,
    sku: null,
    quantity: 1,
    originalUnitPriceSet: money,
    product: productId === undefined ? null : { id: `gid://shopify/Product/${productId}` },
    variant: variantId === undefined ? null : { id: `gid://shopify/ProductVariant/${variantId}` },
  };
}
