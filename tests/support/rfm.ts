/** Hand-made shops for the RFM tests, written through Recur's own writer (the guarded upsert). */
import { pool } from "../../app/db.server.ts";
import {
  tombstone,
  upsertCustomers,
  upsertOrders,
} from "../../app/lib/db/guarded-upsert.server.ts";
import type { CustomerRecord, OrderRecord } from "../../app/lib/db/records.ts";
import { scoreShop } from "../../app/lib/rfm/score-shop.server.ts";
import { installShop, query } from "./db.ts";
import {
  referenceScores,
  type ReferenceCustomer,
  type ReferenceOrder,
  type ReferenceRow,
} from "./rfm-reference.ts";

const VERSION = "2026-01-01T00:00:00Z";
let nextOrderId = 1_000_000;
let nextShop = 0;

export function customerRecord(id: string, updatedAt = VERSION): CustomerRecord {
  return {
    shopifyId: id,
    profile: {
      email: `c${id}@example.com`,
      firstName: "Ada",
      lastName: `Customer ${id}`,
      phone: null,
      state: "ENABLED",
      verifiedEmail: true,
      shopifyCreatedAt: "2024-01-01T00:00:00Z",
      shopifyUpdatedAt: updatedAt,
    },
    purchasing: null,
    tags: null,
  };
}

export function orderRecord(
  id: string,
  order: Omit<ReferenceOrder, "deleted">,
  updatedAt = VERSION,
): OrderRecord {
  return {
    shopifyId: id,
    name: `#${id}`,
    email: null,
    customerShopifyId: order.customerId,
    shopifyCreatedAt: order.createdAt?.toISOString() ?? null,
    processedAt: order.processedAt?.toISOString() ?? null,
    cancelledAt: order.cancelledAt?.toISOString() ?? null,
    cancelReason: order.cancelledAt ? "CUSTOMER" : null,
    financialStatus: order.financialStatus,
    fulfillmentStatus: "FULFILLED",
    currencyCode: "EUR",
    totalPrice: order.currentTotalPrice,
    subtotalPrice: order.currentTotalPrice,
    currentTotalPrice: order.currentTotalPrice,
    test: order.test,
    tags: [],
    shopifyUpdatedAt: updatedAt,
    lineItems: [],
  };
}

/** A new shop holding these customers and orders; returns its id and the orders' ids. */
export async function seedRfmShop(
  customers: ReferenceCustomer[],
  orders: ReferenceOrder[],
): Promise<{ shopId: number; orderIds: string[] }> {
  const shopId = await installShop(`rfm-${process.pid}-${nextShop++}.myshopify.com`);
  const client = await pool.connect();
  try {
    await upsertCustomers(
      client,
      shopId,
      customers.map((c) => customerRecord(c.id)),
    );
    for (const c of customers) {
      if (!c.live) await tombstone(client, "customers", shopId, c.id, new Date("2026-02-01Z"));
    }
    const orderIds = orders.map(() => String(nextOrderId++));
    await upsertOrders(
      client,
      shopId,
      orders.map((o, i) => orderRecord(orderIds[i]!, o)),
    );
    for (const [i, o] of orders.entries()) {
      if (o.deleted)
        await tombstone(client, "orders", shopId, orderIds[i]!, new Date("2026-02-01Z"));
    }
    return { shopId, orderIds };
  } finally {
    client.release();
  }
}

/** The shop's customer_rfm rows in the reference's shape. */
export async function rfmRows(shopId: number): Promise<Map<string, ReferenceRow>> {
  const rows = await query<{
    id: string;
    recency_days: number | null;
    frequency: number | null;
    monetary: string | null;
    r: number | null;
    f: number | null;
    m: number | null;
    fm: number | null;
    segment: string;
  }>(
    `SELECT customer_shopify_id::text AS id, recency_days, frequency, monetary::text, r, f, m, fm,
            segment
     FROM customer_rfm WHERE shop_id = $1`,
    [shopId],
  );
  return new Map(
    rows.map((row) => [
      row.id,
      {
        recencyDays: row.recency_days,
        frequency: row.frequency,
        monetary: row.monetary,
        r: row.r,
        f: row.f,
        m: row.m,
        fm: row.fm,
        segment: row.segment,
      },
    ]),
  );
}

export async function segmentChanges(shopId: number) {
  return query<{ customer: string; from: string | null; to: string; rule_set: string }>(
    `SELECT customer_shopify_id::text AS customer, from_segment AS "from", to_segment AS "to",
            rule_set
     FROM rfm_segment_changes WHERE shop_id = $1 ORDER BY id`,
    [shopId],
  );
}

/** Sorted entries, for comparing maps with toEqual and readable diffs. */
export function entries<V>(map: Map<string, V>): [string, V][] {
  return [...map.entries()].sort(([a], [b]) => a.localeCompare(b));
}

/** The store's orders as the reference reads them, from Recur's copy. */
export async function storedOrders(shopId: number): Promise<ReferenceOrder[]> {
  const rows = await query<{
    customer: string | null;
    processed_at: Date | null;
    shopify_created_at: Date | null;
    cancelled_at: Date | null;
    test: boolean | null;
    financial_status: string | null;
    amount: string | null;
    deleted: boolean;
  }>(
    `SELECT customer_shopify_id::text AS customer, processed_at, shopify_created_at, cancelled_at,
            test, financial_status, current_total_price::text AS amount,
            deleted_at IS NOT NULL OR shopify_updated_at IS NULL AS deleted
     FROM orders WHERE shop_id = $1`,
    [shopId],
  );
  return rows.map((row) => ({
    customerId: row.customer,
    processedAt: row.processed_at,
    createdAt: row.shopify_created_at,
    cancelledAt: row.cancelled_at,
    test: row.test,
    financialStatus: row.financial_status,
    currentTotalPrice: row.amount,
    deleted: row.deleted,
  }));
}

/** The shop's customers as the reference reads them, from Recur's copy. */
export async function storedCustomers(shopId: number): Promise<ReferenceCustomer[]> {
  const rows = await query<{ id: string; live: boolean }>(
    `SELECT shopify_id::text AS id,
            deleted_at IS NULL AND shopify_updated_at IS NOT NULL AND redacted_at IS NULL AS live
     FROM customers WHERE shop_id = $1`,
    [shopId],
  );
  return rows;
}

/** The rule set applied to Recur's stored copy of the shop at its last full run's as_of. */
export async function referenceOfLastRun(shopId: number): Promise<Map<string, ReferenceRow>> {
  const [run] = await query<{ as_of: Date }>(
    "SELECT as_of FROM rfm_runs WHERE shop_id = $1 ORDER BY id DESC LIMIT 1",
    [shopId],
  );
  if (!run) throw new Error(`shop ${shopId} has no RFM run`);
  return referenceScores(await storedCustomers(shopId), await storedOrders(shopId), run.as_of);
}

/** A full scoring of the shop at `asOf`, on a connection of its own (as the scoring job runs it). */
export async function scoreShopAt(shopId: number, asOf: Date) {
  const client = await pool.connect();
  try {
    return await scoreShop(client, shopId, asOf);
  } finally {
    client.release();
  }
}
