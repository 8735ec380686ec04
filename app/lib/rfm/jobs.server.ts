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
import { wakeWorkerWhenDue } from "../queue/wake.server.ts";

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
  const customers = [...new Set(customerIds)].filter((id): id is string => Boolean(id));
  if (customers.length === 0) return;
  // One statement for every customer, in the order of their ids (the order their locks are taken).
  customers.sort((a, b) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0));
  const runAt = new Date(Date.now() + RESCORE_DELAY_MS);
  await db.query({
    name: "rfm-queue-customer-rescorings",
    text: `SELECT recur_queue_customer_rescoring($1, c.id, c.job_key, c.payload, $5)
           FROM unnest($2::text[], $3::text[], $4::json[]) WITH ORDINALITY AS c(id, job_key, payload, n)
           ORDER BY c.n`,
    values: [
      shopId,
      customers,
      customers.map((id) => rescoringJobKey(shopId, id)),
      customers.map((customerId) =>
        JSON.stringify(taskCatalog["rfm.rescore-customer"].parse({ shopId, customerId })),
      ),
      runAt,
    ],
  });
  // Not due yet, so no worker is told of it: this process's pool looks for it when it is due.
  wakeWorkerWhenDue(runAt);
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
 * Per record (a row of the unnest): the incoming value of each field and whether the record carries
 * it. A field the record leaves out keeps its stored value (docs/decisions/019), as in the upsert.
 */
const incoming = RFM_ORDER_COLUMNS.map(
  (c, i) => `CASE WHEN i.sent_${i} THEN i.value_${i} ELSE o.${c.name} END`,
);
const ORDER_RFM_CHANGES = `SELECT o.shopify_id::text AS "shopifyId",
    o.customer_shopify_id::text AS customer, (${incoming[0]})::text AS "customerAfter",
    (o.deleted_at IS NOT NULL OR o.shopify_updated_at IS NULL
      OR (${RFM_ORDER_FIELDS.map((name) => `o.${name}`).join(", ")})
         IS DISTINCT FROM (${incoming.join(", ")})) AS "rfmChanged"
  FROM unnest($2::numeric[], ${RFM_ORDER_COLUMNS.map((c, i) => `$${3 + 2 * i}::${c.type}[], $${4 + 2 * i}::boolean[]`).join(", ")})
    AS i(id, ${RFM_ORDER_COLUMNS.map((_, i) => `value_${i}, sent_${i}`).join(", ")})
  JOIN orders o ON o.shopify_id = i.id
  WHERE o.shop_id = $1 AND o.shopify_id = ANY($2::numeric[])
  ORDER BY o.shopify_id
  FOR NO KEY UPDATE OF o`;

export interface OrderRfmChange {
  /** The stored order's customer. */
  customer: string | null;
  /** Its customer once the record is written. */
  customerAfter: string | null;
  /** Whether writing the record changes what RFM reads of the order. */
  rfmChanged: boolean;
}

/**
 * Per record whose order is stored, by its Shopify id: whether writing it would change what RFM
 * reads of the stored order (its customer, whether it is live, eligible, when it was placed, what
 * it is worth). The rows are locked as the guarded upsert locks them (FOR NO KEY UPDATE), in the
 * order of their ids, so the answer is about the versions the upsert then replaces, whatever
 * another transaction did in between. One round trip for every record, before the upsert (whose
 * records are of distinct orders); a record whose order is not stored has no entry.
 */
export async function orderRfmChanges(
  db: Queryable,
  shopId: number,
  records: OrderRecord[],
): Promise<Map<string, OrderRfmChange>> {
  const { rows } = await db.query<OrderRfmChange & { shopifyId: string }>({
    name: "rfm-order-changes",
    text: ORDER_RFM_CHANGES,
    values: [
      shopId,
      records.map((record) => record.shopifyId),
      ...RFM_ORDER_COLUMNS.flatMap((c) => {
        const values = records.map((record) => c.value(record));
        return [values.map((value) => value ?? null), values.map((value) => value !== undefined)];
      }),
    ],
  });
  return new Map(rows.map(({ shopifyId, ...change }) => [shopifyId, change]));
}

/**
 * The stored customers among `customerIds` who are live for RFM (not deleted, not a placeholder,
 * not erased), with their rows locked as the guarded upsert would lock them, in the order of
 * their ids. A customer who is live already keeps their RFM row whatever their profile says; one
 * who becomes live needs one.
 */
export async function customersLiveForRfm(
  db: Queryable,
  shopId: number,
  customerIds: string[],
): Promise<Set<string>> {
  if (customerIds.length === 0) return new Set();
  const { rows } = await db.query<{ id: string; live: boolean }>({
    name: "rfm-customers-live-locked",
    text: `SELECT shopify_id::text AS id,
             deleted_at IS NULL AND shopify_updated_at IS NOT NULL AND redacted_at IS NULL AS live
           FROM customers WHERE shop_id = $1 AND shopify_id = ANY($2::numeric[])
           ORDER BY shopify_id FOR NO KEY UPDATE`,
    values: [shopId, customerIds],
  });
  return new Set(rows.filter((row) => row.live).map((row) => row.id));
}
