/**
 * When RFM work is queued: a full scoring of a shop after its syncs, and a rescoring of a customer
 * whenever one of their orders (or their profile) is written by a webhook. Both are enqueued in the
 * caller's transaction, with job keys that collapse bursts into one job.
 */
import type { Queryable } from "../../db.server.ts";
import { enqueueJob } from "../queue/enqueue.server.ts";

export function enqueueShopScoring(db: Queryable, shopId: number) {
  return enqueueJob(db, "rfm.score-shop", { shopId }, { jobKey: `rfm-score-shop:${shopId}` });
}

/**
 * One pending rescoring per shop and customer: a burst of orders for one customer is one job
 * (graphile-worker's `replace` mode updates the pending job; a job already running is followed by
 * one more).
 */
export async function enqueueCustomerRescoring(
  db: Queryable,
  shopId: number,
  customerIds: (string | null | undefined)[],
): Promise<void> {
  for (const customerId of new Set(customerIds)) {
    if (!customerId) continue;
    await enqueueJob(
      db,
      "rfm.rescore-customer",
      { shopId, customerId },
      { jobKey: `rfm-rescore:${shopId}:${customerId}` },
    );
  }
}

/** The customers the stored orders belong to (a tombstone keeps its order's customer). */
export async function customersOfOrders(
  db: Queryable,
  shopId: number,
  orderIds: string[],
): Promise<string[]> {
  if (orderIds.length === 0) return [];
  const { rows } = await db.query<{ customer: string }>({
    name: "rfm-customers-of-orders",
    text: `SELECT DISTINCT customer_shopify_id::text AS customer FROM orders
           WHERE shop_id = $1 AND shopify_id = ANY($2::numeric[]) AND customer_shopify_id IS NOT NULL`,
    values: [shopId, orderIds],
  });
  return rows.map((row) => row.customer);
}
