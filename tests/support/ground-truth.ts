/**
 * Compares Recur's copy of a shop with the Shopify stand-in's ground truth: every field Recur
 * stores, line items included. Used by the sync tests, the chaos run and the browser test.
 */
import type pg from "pg";
import type { GroundTruth } from "../shopify-standin/index.ts";

type Db = Pick<pg.Pool | pg.Client, "query">;

/** Decimals compare as numbers ("12.50" = "12.5" = "12.5000"). */
const decimal = (value: string | null) => (value === null ? null : Number(value).toFixed(4));
const iso = (value: Date | string | null) =>
  value === null ? null : new Date(value).toISOString();
const sorted = (tags: string[]) => [...tags].sort();

export interface Comparison {
  equal: boolean;
  /** Human-readable differences, first ones only. */
  differences: string[];
  counts: { customers: number; orders: number; lineItems: number };
}

function customerShape(row: Record<string, unknown>) {
  return {
    id: String(row.id),
    email: row.email ?? null,
    firstName: row.firstName ?? null,
    lastName: row.lastName ?? null,
    phone: row.phone ?? null,
    state: row.state ?? null,
    tags: sorted(row.tags as string[]),
    verifiedEmail: row.verifiedEmail ?? null,
    numberOfOrders: row.numberOfOrders === null ? null : Number(row.numberOfOrders),
    amountSpent: decimal(row.amountSpent as string | null),
    currencyCode: row.currencyCode ?? null,
    createdAt: iso(row.createdAt as string | null),
    updatedAt: iso(row.updatedAt as string | null),
  };
}

function lineItemShape(item: Record<string, unknown>) {
  return {
    id: String(item.id),
    title: item.title ?? null,
    variantTitle: item.variantTitle ?? null,
    sku: item.sku ?? null,
    quantity: Number(item.quantity),
    price: decimal(item.price as string),
    productId:
      item.productId === null || item.productId === undefined ? null : String(item.productId),
    variantId:
      item.variantId === null || item.variantId === undefined ? null : String(item.variantId),
  };
}

function orderShape(row: Record<string, unknown>) {
  return {
    id: String(row.id),
    name: row.name ?? null,
    email: row.email ?? null,
    customerId:
      row.customerId === null || row.customerId === undefined ? null : String(row.customerId),
    createdAt: iso(row.createdAt as string | null),
    updatedAt: iso(row.updatedAt as string | null),
    processedAt: iso(row.processedAt as string | null),
    cancelledAt: iso(row.cancelledAt as string | null),
    cancelReason: row.cancelReason ?? null,
    displayFinancialStatus: row.displayFinancialStatus ?? null,
    displayFulfillmentStatus: row.displayFulfillmentStatus ?? null,
    currencyCode: row.currencyCode ?? null,
    totalPrice: decimal(row.totalPrice as string | null),
    subtotalPrice: decimal(row.subtotalPrice as string | null),
    currentTotalPrice: decimal(row.currentTotalPrice as string | null),
    test: row.test ?? null,
    tags: sorted(row.tags as string[]),
    lineItems: (row.lineItems as Record<string, unknown>[])
      .map(lineItemShape)
      .sort((a, b) => a.id.localeCompare(b.id)),
  };
}

/** Recur's live rows of a shop, in the ground truth's shape. */
export async function recurCopy(db: Db, shopDomain: string) {
  const { rows: customers } = await db.query(
    `SELECT c.shopify_id::text AS id, c.email, c.first_name AS "firstName", c.last_name AS "lastName",
            c.phone, c.state, c.tags, c.verified_email AS "verifiedEmail",
            c.number_of_orders AS "numberOfOrders", c.amount_spent::text AS "amountSpent",
            c.currency_code AS "currencyCode", c.shopify_created_at AS "createdAt",
            c.shopify_updated_at AS "updatedAt"
     FROM customers c JOIN shops s ON s.id = c.shop_id
     WHERE s.domain = $1 AND c.deleted_at IS NULL AND c.shopify_updated_at IS NOT NULL`,
    [shopDomain],
  );
  const { rows: orders } = await db.query(
    `SELECT o.shopify_id::text AS id, o.name, o.email, o.customer_shopify_id::text AS "customerId",
            o.shopify_created_at AS "createdAt", o.shopify_updated_at AS "updatedAt",
            o.processed_at AS "processedAt", o.cancelled_at AS "cancelledAt",
            o.cancel_reason AS "cancelReason", o.financial_status AS "displayFinancialStatus",
            o.fulfillment_status AS "displayFulfillmentStatus", o.currency_code AS "currencyCode",
            o.total_price::text AS "totalPrice", o.subtotal_price::text AS "subtotalPrice",
            o.current_total_price::text AS "currentTotalPrice", o.test, o.tags,
            coalesce((SELECT json_agg(json_build_object(
               'id', li.shopify_id::text, 'title', li.title, 'variantTitle', li.variant_title,
               'sku', li.sku, 'quantity', li.quantity, 'price', li.price::text,
               'productId', li.product_shopify_id::text, 'variantId', li.variant_shopify_id::text))
              FROM order_line_items li
              WHERE li.shop_id = o.shop_id AND li.order_shopify_id = o.shopify_id), '[]') AS "lineItems"
     FROM orders o JOIN shops s ON s.id = o.shop_id
     WHERE s.domain = $1 AND o.deleted_at IS NULL AND o.shopify_updated_at IS NOT NULL`,
    [shopDomain],
  );
  return {
    customers: customers.map(customerShape).sort((a, b) => a.id.localeCompare(b.id)),
    orders: orders.map(orderShape).sort((a, b) => a.id.localeCompare(b.id)),
  };
}

function compareSets<T extends { id: string }>(
  what: string,
  recur: T[],
  truth: T[],
  differences: string[],
  limit: number,
) {
  const recurById = new Map(recur.map((item) => [item.id, item]));
  const truthById = new Map(truth.map((item) => [item.id, item]));
  for (const [id, expected] of truthById) {
    if (differences.length >= limit) return;
    const actual = recurById.get(id);
    if (!actual) {
      differences.push(`${what} ${id}: missing in Recur`);
      continue;
    }
    const a = JSON.stringify(actual);
    const e = JSON.stringify(expected);
    if (a !== e) {
      const fields = Object.keys(expected).filter(
        (key) =>
          JSON.stringify((actual as Record<string, unknown>)[key]) !==
          JSON.stringify((expected as Record<string, unknown>)[key]),
      );
      differences.push(
        `${what} ${id}: ${fields
          .map(
            (key) =>
              `${key} Recur=${JSON.stringify((actual as Record<string, unknown>)[key])} Shopify=${JSON.stringify((expected as Record<string, unknown>)[key])}`,
          )
          .join(", ")}`,
      );
    }
  }
  for (const id of recurById.keys()) {
    if (differences.length >= limit) return;
    if (!truthById.has(id)) differences.push(`${what} ${id}: in Recur but not in the store`);
  }
}

export async function compareWithGroundTruth(
  db: Db,
  shopDomain: string,
  truth: GroundTruth,
  limit = 10,
): Promise<Comparison> {
  const recur = await recurCopy(db, shopDomain);
  const expectedCustomers = truth.customers.map((c) =>
    customerShape(c as unknown as Record<string, unknown>),
  );
  const expectedOrders = truth.orders.map((o) =>
    orderShape(o as unknown as Record<string, unknown>),
  );
  const differences: string[] = [];
  compareSets("customer", recur.customers, expectedCustomers, differences, limit);
  compareSets("order", recur.orders, expectedOrders, differences, limit);
  return {
    equal: differences.length === 0,
    differences,
    counts: {
      customers: recur.customers.length,
      orders: recur.orders.length,
      lineItems: recur.orders.reduce((sum, order) => sum + order.lineItems.length, 0),
    },
  };
}
