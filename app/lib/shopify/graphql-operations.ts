/** The Admin API operations Recur sends, named and tagged for GraphQL tooling. */

export const BULK_OPERATION_RUN_QUERY = `#graphql
  mutation RecurBulkOperationRunQuery($query: String!) {
    bulkOperationRunQuery(query: $query, groupObjects: false) {
      bulkOperation { id status }
      userErrors { field message code }
    }
  }`;

export const BULK_OPERATION = `#graphql
  query RecurBulkOperation($id: ID!) {
    bulkOperation(id: $id) {
      id
      status
      errorCode
      objectCount
      rootObjectCount
      url
      partialDataUrl
      createdAt
      completedAt
    }
  }`;

export const STORE_COUNTS = `#graphql
  query RecurStoreCounts {
    customersCount(limit: null) { count precision }
    ordersCount(limit: null) { count precision }
  }`;

/** The shop's settings Recur keeps: its time zone (nightly RFM scoring) and currency. */
export const SHOP_SETTINGS = `#graphql
  query RecurShopSettings {
    shop { ianaTimezone currencyCode }
  }`;

export interface ShopSettings {
  shop: { ianaTimezone: string; currencyCode: string };
}

export type BulkOperationStatus =
  "CREATED" | "RUNNING" | "COMPLETED" | "CANCELING" | "CANCELED" | "FAILED" | "EXPIRED";

export interface BulkOperation {
  id: string;
  status: BulkOperationStatus;
  errorCode: string | null;
  objectCount: string;
  rootObjectCount?: string;
  url: string | null;
  partialDataUrl: string | null;
  createdAt: string;
  completedAt: string | null;
}

export interface BulkOperationRunQueryResult {
  bulkOperationRunQuery: {
    bulkOperation: { id: string; status: BulkOperationStatus } | null;
    userErrors: { field: string[] | null; message: string; code: string | null }[];
  };
}

export interface StoreCounts {
  customersCount: { count: number; precision: "EXACT" | "AT_LEAST" };
  ordersCount: { count: number; precision: "EXACT" | "AT_LEAST" };
}
