/** The Admin API operations the admin pages send (besides STORE_COUNTS), named and tagged. */

/** A running bulk operation's progress: rootObjectCount counts orders, not their line items. */
export const ADMIN_BULK_PROGRESS = `#graphql
  query RecurAdminBulkProgress($id: ID!) {
    bulkOperation(id: $id) { id status objectCount rootObjectCount }
  }`;

/** What an incremental run will read: the store's customers changed since its window began. */
export const ADMIN_CUSTOMERS_MATCHING = `#graphql
  query RecurAdminCustomersMatching($query: String!) {
    customersCount(query: $query, limit: null) { count precision }
  }`;

export const ADMIN_ORDERS_MATCHING = `#graphql
  query RecurAdminOrdersMatching($query: String!) {
    ordersCount(query: $query, limit: null) { count precision }
  }`;

export interface BulkProgress {
  bulkOperation: {
    id: string;
    status: string;
    objectCount: string;
    rootObjectCount: string | null;
  } | null;
}

export interface MatchingCount {
  customersCount?: { count: number; precision: string };
  ordersCount?: { count: number; precision: string };
}
