/**
 * When RFM work is queued: a full scoring of a shop after its syncs, and a rescoring of a customer
 * when a webhook changed what RFM reads of them (docs/rfm.md, "Incremental"; docs/decisions/058).
 * Both are enqueued in the caller's transaction, with job keys that collapse bursts into one job.
 */
import type { Queryable } from "../../db.server.ts";
import { ORDER_TRAVELLING } from "../db/guarded-upsert/columns.ts";
import type { OrderRecord } from "../db/records.ts";
import { taskCatalog } from "../queue/catalog.ts";
import { enqueueJob } from "../queue/enqueue.server.ts";

export function enqueueShopScoring(db: Queryable, shopId: number) {
  return enqueueJob(db, "rfm.score-shop", { shopId }, { jobKey: `rfm-score-shop:${shopId}` });
}

/**
 * How long a full scoring waits while a sync of its shop is running: the run that completes queues
 * the scoring again at once (its job key, `replace`), so this is only how soon a scoring follows a
 * sync that ended without completing (failed, canceled, settled by the sweeper).
 */
export const SCORING_SYNC_WAIT_MS = 60_000;

/**
 * Puts a full scoring back while a sync of the shop is running (docs/decisions/072): its job is
 * queued again SCORING_SYNC_WAIT_MS ahead, unless one with its key is already due sooner (a run
 * completed meanwhile and queued it: `preserve_run_at` keeps that one's time).
 */
export function deferShopScoring(db: Queryable, shopId: number) {
  return enqueueJob(
    db,
    "rfm.score-shop",
    { shopId },
    {
      jobKey: `rfm-score-shop:${shopId}`,
      jobKeyMode: "preserve_run_at",
      runAt: new Date(Date.now() + SCORING_SYNC_WAIT_MS),
    },
  );
}

/**
 * How long a rescoring waits after the first change that queued it: the changes of a burst (an
 * order's create, payment and fulfilment arrive within seconds) made in that time are one job.
 */
export const RESCORE_DELAY_MS = 500;

/**
 * One pending rescoring per shop and customer, due RESCORE_DELAY_MS after the first change that
 * queued it; a change while it waits adds nothing, so a burst is one job, and a job already
 * running is followed by one more, which sees every change. In the caller's transaction, through
 * recur_queue_customer_rescoring (migration 20261201194000): the customer's RFM lock shared, the
 * pending job looked up, and graphile-worker's add_job (job key, `preserve_run_at`) only when
 * there is none (docs/decisions/058).
 */
export async function enqueueCustomerRescoring(
  db: Queryable,
  shopId: number,
  customerIds: (string | null | undefined)[],
): Promise<void> {
  for (const customerId of new Set(customerIds)) {
    if (!customerId) continue;
    const payload = taskCatalog["rfm.rescore-customer"].parse({ shopId, customerId });
    await db.query({
      name: "rfm-queue-customer-rescoring",
      text: "SELECT recur_queue_customer_rescoring($1, $2, $3, $4::json, $5)",
      values: [
        shopId,
        customerId,
        rescoringJobKey(shopId, customerId),
        JSON.stringify(payload),
        new Date(Date.now() + RESCORE_DELAY_MS),
      ],
    });
  }
}

/** The job key of a customer's rescoring: one pending job per shop and customer. */
export function rescoringJobKey(shopId: number, customerId: string): string {
  return `rfm-rescore:${shopId}:${customerId}`;
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

/** The order fields RFM reads (score-shop.sql, rescore-customer.sql), besides whether it is live. */
const RFM_ORDER_FIELDS = [
  "customer_shopify_id",
  "cancelled_at",
  "test",
  "financial_status",
  "processed_at",
  "shopify_created_at",
  "current_total_price",
];
const RFM_ORDER_COLUMNS = RFM_ORDER_FIELDS.map((name) => {
  const column = ORDER_TRAVELLING.find((c) => c.name === name);
  // Compared as the upsert writes them: as they travel, with no decoding or vague values.
  if (!column || column.decode || column.vague) {
    throw new Error(`orders.${name} is not written as it travels by the guarded upsert`);
  }
  return column;
});
/**
 * $3, $4: the incoming value of the first field and whether the record carries it; and so on. A
 * field the record leaves out keeps its stored value (docs/decisions/019), as in the upsert.
 */
const incoming = RFM_ORDER_COLUMNS.map(
  (c, i) => `CASE WHEN $${4 + 2 * i}::boolean THEN $${3 + 2 * i}::${c.type} ELSE ${c.name} END`,
);
const ORDER_RFM_CHANGE = `SELECT customer_shopify_id::text AS customer,
    (${incoming[0]})::text AS "customerAfter",
    (deleted_at IS NOT NULL OR shopify_updated_at IS NULL
      OR (${RFM_ORDER_FIELDS.join(", ")}) IS DISTINCT FROM (${incoming.join(", ")})) AS "rfmChanged"
  FROM orders WHERE shop_id = $1 AND shopify_id = $2::numeric
  FOR NO KEY UPDATE`;

export interface OrderRfmChange {
  /** The stored order's customer. */
  customer: string | null;
  /** Its customer once the record is written. */
  customerAfter: string | null;
  /** Whether writing the record changes what RFM reads of the order. */
  rfmChanged: boolean;
}

/**
 * Whether writing `record` would change what RFM reads of the stored order (its customer, whether
 * it is live, eligible, when it was placed, what it is worth), or undefined when no order is
 * stored. The row is locked as the guarded upsert locks it (FOR NO KEY UPDATE), so the answer is
 * about the version the upsert then replaces, whatever another transaction did in between. One
 * round trip, before the upsert; the caller asks only when the upsert wrote the record.
 */
export async function orderRfmChange(
  db: Queryable,
  shopId: number,
  record: OrderRecord,
): Promise<OrderRfmChange | undefined> {
  const { rows } = await db.query<OrderRfmChange>({
    name: "rfm-order-change",
    text: ORDER_RFM_CHANGE,
    values: [
      shopId,
      record.shopifyId,
      ...RFM_ORDER_COLUMNS.flatMap((c) => {
        const value = c.value(record);
        return [value ?? null, value !== undefined];
      }),
    ],
  });
  return rows[0];
}

/**
 * Whether the stored customer is live for RFM (not deleted, not a placeholder, not erased), with
 * the row locked as the guarded upsert would lock it. A customer who is live already keeps their
 * RFM row whatever their profile says; one who becomes live needs one.
 */
export async function customerLiveForRfm(
  db: Queryable,
  shopId: number,
  customerId: string,
): Promise<boolean> {
  const { rows } = await db.query<{ live: boolean }>({
    name: "rfm-customer-live-locked",
    text: `SELECT deleted_at IS NULL AND shopify_updated_at IS NOT NULL AND redacted_at IS NULL AS live
           FROM customers WHERE shop_id = $1 AND shopify_id = $2::numeric FOR NO KEY UPDATE`,
    values: [shopId, customerId],
  });
  return rows[0]?.live ?? false;
}
