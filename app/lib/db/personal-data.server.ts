/**
 * Shopify's mandatory privacy requests: a customer's data export, a customer's erasure, and a
 * shop's erasure 48 hours after uninstall. Every statement names its shop.
 */
import { env } from "../../env.server.ts";
import type { Queryable } from "../../db.server.ts";
import { parseExactJson } from "./exact-json.ts";

const PERSONAL_CUSTOMER_FIELDS = "email = NULL, first_name = NULL, last_name = NULL, phone = NULL";

/**
 * The stored webhook deliveries that name the customer or one of `orderIds` (the customer's own
 * orders, the listed ones, and every payload keyed by the customer: customers/*, the GID
 * `customerId` of customer.tags_added/removed and customers/purchasing_summary, privacy requests).
 * The recur_payload_* functions are in the personal_data_retention migration. $1 shop id, $2
 * customer id, $3 order ids.
 */
const DELIVERIES_OF_CUSTOMER = `d.shop_domain = (SELECT domain FROM shops WHERE id = $1)
  AND (recur_payload_customer_id(d.topic, d.payload) = $2::numeric
    OR recur_payload_order_id(d.topic, d.payload) = ANY($3::numeric[])
    OR recur_payload_order_id(d.topic, d.payload) IN (
      SELECT o.shopify_id FROM orders o WHERE o.shop_id = $1 AND o.customer_shopify_id = $2::numeric))`;

/**
 * Everything Recur holds about one customer, as one jsonb value built in SQL (the stored payloads'
 * 64-bit ids never pass through JavaScript numbers): the customer row with tags, every order of
 * theirs or listed (deleted ones too) with lines, their RFM row and segment history, the stored
 * webhook deliveries that name them, and what is left out and why. $4 the retention in days.
 */
const EXPORT_SQL = `jsonb_build_object(
  'customer', (
    SELECT jsonb_build_object(
      'id', c.shopify_id::text, 'email', c.email, 'firstName', c.first_name,
      'lastName', c.last_name, 'phone', c.phone, 'state', c.state,
      'verifiedEmail', c.verified_email, 'tags', c.tags,
      'numberOfOrders', c.number_of_orders, 'amountSpent', c.amount_spent::text,
      'currencyCode', c.currency_code, 'createdAt', c.shopify_created_at,
      'updatedAt', c.shopify_updated_at, 'deletedAt', c.deleted_at, 'redactedAt', c.redacted_at)
    FROM customers c WHERE c.shop_id = $1 AND c.shopify_id = $2::numeric),
  'orders', coalesce((
    SELECT jsonb_agg(jsonb_build_object(
      'id', o.shopify_id::text, 'name', o.name, 'email', o.email,
      'customerId', o.customer_shopify_id::text, 'tags', o.tags,
      'createdAt', o.shopify_created_at, 'processedAt', o.processed_at,
      'cancelledAt', o.cancelled_at, 'cancelReason', o.cancel_reason,
      'financialStatus', o.financial_status,
      'fulfillmentStatus', o.fulfillment_status, 'currencyCode', o.currency_code,
      'totalPrice', o.total_price::text, 'subtotalPrice', o.subtotal_price::text,
      'currentTotalPrice', o.current_total_price::text,
      'updatedAt', o.shopify_updated_at, 'deletedAt', o.deleted_at, 'redactedAt', o.redacted_at,
      'lineItems', coalesce((
        SELECT jsonb_agg(jsonb_build_object(
          'id', li.shopify_id::text, 'title', li.title, 'variantTitle', li.variant_title,
          'sku', li.sku, 'quantity', li.quantity, 'price', li.price::text)
          ORDER BY li.shopify_id)
        FROM order_line_items li
        WHERE li.shop_id = o.shop_id AND li.order_shopify_id = o.shopify_id), '[]'::jsonb))
      ORDER BY o.shopify_created_at, o.shopify_id)
    FROM orders o
    WHERE o.shop_id = $1
      AND (o.customer_shopify_id = $2::numeric OR o.shopify_id = ANY($3::numeric[]))), '[]'::jsonb),
  'rfm', (
    SELECT jsonb_build_object(
      'segment', r.segment, 'ruleSet', r.rule_set, 'asOf', r.as_of,
      'recencyDays', r.recency_days, 'frequency', r.frequency, 'monetary', r.monetary::text,
      'r', r.r, 'f', r.f, 'm', r.m)
    FROM customer_rfm r WHERE r.shop_id = $1 AND r.customer_shopify_id = $2::numeric),
  'segmentChanges', coalesce((
    SELECT jsonb_agg(jsonb_build_object(
      'fromSegment', sc.from_segment, 'toSegment', sc.to_segment,
      'changedAt', sc.changed_at, 'ruleSet', sc.rule_set) ORDER BY sc.changed_at, sc.id)
    FROM rfm_segment_changes sc
    WHERE sc.shop_id = $1 AND sc.customer_shopify_id = $2::numeric), '[]'::jsonb),
  'webhookDeliveries', coalesce((
    SELECT jsonb_agg(jsonb_build_object(
      'id', d.id, 'topic', d.topic, 'triggeredAt', d.triggered_at, 'receivedAt', d.received_at,
      'status', d.status, 'personalDataRemovedAt', d.personal_data_removed_at,
      'payload', CASE WHEN recur_delivery_names_erased_data(d.shop_domain, d.topic, d.payload)
        THEN recur_payload_without_personal_data(d.payload) ELSE d.payload END)
      ORDER BY d.received_at, d.id)
    FROM webhook_deliveries d WHERE ${DELIVERIES_OF_CUSTOMER}), '[]'::jsonb),
  'notIncluded', jsonb_build_array(
    format('The personal content of webhook payloads settled more than %s days ago: Recur removes it after that period and keeps only ids, topic, status and times (the deliveries above with personalDataRemovedAt).', $4::int),
    'Earlier data requests and their exports: copies of this same data as it was then.',
    'The shop''s access tokens (sessions), its sync log (sync_runs) and the job queue (graphile_worker): they hold no data about customers, only shop, run and delivery ids.'))`;

/** What Recur holds about one customer, as exact JSON text (see EXPORT_SQL). */
export async function exportCustomer(
  db: Queryable,
  shopId: number,
  customerId: string,
  orderIds: string[],
): Promise<unknown> {
  const { rows } = await db.query<{ export: string }>(`SELECT ${EXPORT_SQL}::text AS export`, [
    shopId,
    customerId,
    orderIds,
    env.DELIVERY_RETENTION_DAYS,
  ]);
  return parseExactJson(rows[0]!.export);
}

export interface DataRequestInput {
  shopId: number;
  shopifyRequestId: string;
  customerId: string;
  customerEmail: string | null;
  ordersRequested: string[];
  deliveryId: string;
  requestedAt: Date;
}

const REDACTED_CUSTOMER = `EXISTS (SELECT FROM customers c
  WHERE c.shop_id = $1 AND c.shopify_id = $2::numeric AND c.redacted_at IS NOT NULL)`;

/**
 * Records a data request with its export; a repeat of the same request id changes nothing. A
 * request for a customer already erased keeps no email (its export holds ids and figures only).
 */
export async function recordDataRequest(db: Queryable, request: DataRequestInput) {
  await db.query(
    `INSERT INTO data_requests (shop_id, shopify_request_id, customer_shopify_id, customer_email,
       orders_requested, delivery_id, export, requested_at)
     SELECT $1, $5, $2, CASE WHEN NOT ${REDACTED_CUSTOMER} THEN $6 END, $3::numeric[], $7,
       ${EXPORT_SQL}, $8
     ON CONFLICT (shop_id, shopify_request_id) DO NOTHING`,
    [
      request.shopId,
      request.customerId,
      request.ordersRequested,
      env.DELIVERY_RETENTION_DAYS,
      request.shopifyRequestId,
      request.customerEmail,
      request.deliveryId,
      request.requestedAt,
    ],
  );
}

const WAITING = "(d.status IN ('received', 'processing') AND d.id <> $4)";

/**
 * Erases a customer's personal data: their row, the listed orders and their own orders, the
 * webhook payloads that carried it, and earlier exports. Rows not stored yet are kept as erased
 * placeholders, so that a late webhook cannot bring the data back (the guarded upsert never
 * writes personal fields into a redacted row, and the customers_erased_without_personal_data
 * trigger clears them, the tags and the tag clock whatever writes the row).
 */
export async function redactCustomer(
  db: Queryable,
  shop: { id: number; domain: string },
  customerId: string,
  orderIds: string[],
  /** The customers/redact delivery being processed, which settles itself. */
  ownDeliveryId: string,
) {
  await db.query(
    `INSERT INTO customers AS c (shop_id, shopify_id, redacted_at, synced_at)
     VALUES ($1, $2, now(), now())
     ON CONFLICT (shop_id, shopify_id) DO UPDATE
       SET ${PERSONAL_CUSTOMER_FIELDS}, redacted_at = coalesce(c.redacted_at, now())`,
    [shop.id, customerId],
  );
  await db.query(
    `INSERT INTO orders (shop_id, shopify_id, redacted_at, synced_at)
     SELECT $1, id, now(), now() FROM unnest($2::numeric[]) AS id
     ON CONFLICT (shop_id, shopify_id) DO NOTHING`,
    [shop.id, orderIds],
  );
  await db.query(
    `UPDATE orders SET email = NULL, redacted_at = coalesce(redacted_at, now())
     WHERE shop_id = $1 AND (shopify_id = ANY($2::numeric[]) OR customer_shopify_id = $3)`,
    [shop.id, orderIds, customerId],
  );
  // Every stored payload naming the customer or the orders loses its personal content; deliveries
  // still waiting for their job (or for a retry: a running one holds its row until it settles)
  // are settled here. A delivery that settles later is scrubbed as it settles (the
  // webhook_deliveries_scrub_erased trigger). The customer row is locked first, as a delivery's
  // task locks it: a task writing this customer meanwhile waits, then sees the erasure.
  await db.query(
    `UPDATE webhook_deliveries d
     SET payload = recur_payload_without_personal_data(d.payload), personal_data_removed_at = now(),
       status = CASE WHEN ${WAITING} THEN 'ignored' ELSE d.status END,
       last_error = CASE WHEN ${WAITING}
         THEN 'The customer''s data was erased (customers/redact) before this delivery was processed'
         ELSE d.last_error END,
       processed_at = CASE WHEN ${WAITING} THEN now() ELSE d.processed_at END
     WHERE d.personal_data_removed_at IS NULL AND ${DELIVERIES_OF_CUSTOMER}`,
    [shop.id, customerId, orderIds, ownDeliveryId],
  );
  await db.query("DELETE FROM data_requests WHERE shop_id = $1 AND customer_shopify_id = $2", [
    shop.id,
    customerId,
  ]);
  // The customer leaves the RFM scores; their segment history keeps only ids and segment names.
  await db.query(
    "DELETE FROM customer_rfm_scores WHERE shop_id = $1 AND customer_shopify_id = $2",
    [shop.id, customerId],
  );
}

/**
 * Erases everything Recur holds for a shop: its customers, orders, RFM scores and history, sync
 * log, data requests, sessions and webhook deliveries (but the one asking for the erasure). The
 * shop row stays, marked redacted, as the record that the request was honoured.
 */
export async function redactShop(
  db: Queryable,
  shop: { id: number; domain: string },
  keepDeliveryId: string,
) {
  for (const table of [
    "order_line_items",
    "orders",
    "customers",
    "data_requests",
    "sync_runs",
    "customer_rfm_scores",
    "rfm_segment_changes",
    "rfm_runs",
    "rfm_segment_sizes",
  ]) {
    await db.query(`DELETE FROM ${table} WHERE shop_id = $1`, [shop.id]);
  }
  await db.query("DELETE FROM sessions WHERE shop = $1", [shop.domain]);
  await db.query("DELETE FROM webhook_deliveries WHERE shop_domain = $1 AND id <> $2", [
    shop.domain,
    keepDeliveryId,
  ]);
  await db.query("UPDATE shops SET redacted_at = now(), updated_at = now() WHERE id = $1", [
    shop.id,
  ]);
}

/**
 * The retention task's one step: the settled deliveries (processed, ignored, or any other settled
 * status but dead letters, which keep their payload until retried) settled more than
 * `retentionDays` ago lose their payload's personal content, `batchSize` at a time; ids, topic,
 * status and times stay. Returns how many were scrubbed. Runs across shops, like the sweeper.
 */
export async function removeExpiredPersonalData(
  db: Queryable,
  { retentionDays, batchSize = 1000 }: { retentionDays: number; batchSize?: number },
): Promise<number> {
  let total = 0;
  for (;;) {
    const { rowCount } = await db.query(
      `UPDATE webhook_deliveries d
       SET payload = recur_payload_without_personal_data(d.payload), personal_data_removed_at = now()
       WHERE d.id IN (
         SELECT id FROM webhook_deliveries
         WHERE personal_data_removed_at IS NULL
           AND status NOT IN ('received', 'processing', 'dead_letter')
           AND coalesce(processed_at, received_at) < now() - make_interval(days => $1)
         ORDER BY coalesce(processed_at, received_at)
         LIMIT $2
         FOR UPDATE SKIP LOCKED)`,
      [retentionDays, batchSize],
    );
    total += rowCount ?? 0;
    if ((rowCount ?? 0) < batchSize) return total;
  }
}
