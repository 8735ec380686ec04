/**
 * The bulk operation queries Recur runs: every field the guarded upsert stores, with Shopify's
 * current (2026-10) field names. An incremental run adds a search filter on updated_at.
 */
export type SyncEntity = "customers" | "orders";

/** A GraphQL string literal (JSON's escaping is valid GraphQL). */
const literal = (value: string) => JSON.stringify(value);

function connectionArguments(search: string | undefined) {
  return search ? `(query: ${literal(search)})` : "";
}

export function customersBulkQuery(search?: string): string {
  return `#graphql
{
  customers${connectionArguments(search)} {
    edges {
      node {
        id
        defaultEmailAddress { emailAddress }
        firstName
        lastName
        defaultPhoneNumber { phoneNumber }
        state
        tags
        verifiedEmail
        numberOfOrders
        amountSpent { amount currencyCode }
        createdAt
        updatedAt
      }
    }
  }
}`;
}

export function ordersBulkQuery(search?: string): string {
  return `#graphql
{
  orders${connectionArguments(search)} {
    edges {
      node {
        id
        name
        email
        customer { id }
        createdAt
        updatedAt
        processedAt
        cancelledAt
        cancelReason
        displayFinancialStatus
        displayFulfillmentStatus
        currencyCode
        totalPriceSet { shopMoney { amount currencyCode } }
        subtotalPriceSet { shopMoney { amount currencyCode } }
        currentTotalPriceSet { shopMoney { amount currencyCode } }
        test
        tags
        lineItems {
          edges {
            node {
              id
              title
              variantTitle
              sku
              quantity
              originalUnitPriceSet { shopMoney { amount currencyCode } }
              product { id }
              variant { id }
            }
          }
        }
      }
    }
  }
}`;
}

export function bulkQueryFor(entity: SyncEntity, search?: string): string {
  return entity === "customers" ? customersBulkQuery(search) : ordersBulkQuery(search);
}

/** Shopify's search syntax for "changed since". */
export function updatedSince(since: Date): string {
  return `updated_at:>='${since.toISOString().replace(/\.\d{3}Z$/, "Z")}'`;
}
