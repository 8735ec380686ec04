/**
 * Shopify's mandatory privacy requests: a customer's data export, a customer's erasure, and a
 * shop's erasure 48 hours after uninstall. Every statement names its shop.
 */
import type { Queryable } from "../../jobs/enqueue.server.ts";

const PERSONAL_CUSTOMER_FIELDS = "email = NULL, first_name = NULL, last_name = NULL, phone = NULL";

/** What Recur holds about one customer, as JSON: the customer row and their orders with lines. */
export async function exportCustomer(
  db: Queryable,
  shopId: number,
  customerId: string,
  orderIds: string[],
): Promise<unknown> {
  const { rows } = await db.query<{ export: unknown }>(
    `SELECT jsonb_build_object(
       'customer', (
         SELECT jsonb_build_object(
           'id', c.shopify_id::text, 'email', c.email, 'firstName', c.first_name,
           'lastName', c.last_name, 'phone', c.phone, 'state', c.state, 'tags', c.tags,
           'numberOfOrders', c.number_of_orders, 'amountSpent', c.amount_spent::text,
           'currencyCode', c.currency_code, 'createdAt', c.shopify_created_at,
           'updatedAt', c.shopify_updated_at, 'deletedAt', c.deleted_at)
         FROM customers c WHERE c.shop_id = $1 AND c.shopify_id = $2),
       'orders', coalesce((
         SELECT jsonb_agg(jsonb_build_object(
           'id', o.shopify_id::text, 'name', o.name, 'email', o.email,
           'createdAt', o.shopify_created_at, 'processedAt', o.processed_at,
           'cancelledAt', o.cancelled_at, 'financialStatus', o.financial_status,
           'fulfillmentStatus', o.fulfillment_status, 'currencyCode', o.currency_code,
           'totalPrice', o.total_price::text, 'subtotalPrice', o.subtotal_price::text,
           'currentTotalPrice', o.current_total_price::text,
           'lineItems', coalesce((
             SELECT jsonb_agg(jsonb_build_object(
               'id', li.shopify_id::text, 'title', li.title, 'variantTitle', li.variant_title,
               'sku', li.sku, 'quantity', li.quantity, 'price', li.price::text)
               ORDER BY li.shopify_id)
             FROM order_line_items li
             WHERE li.shop_id = o.shop_id AND li.order_shopify_id = o.shopify_id), '[]'::jsonb))
           ORDER BY o.shopify_created_at, o.shopify_id)
         FROM orders o
         WHERE o.shop_id = $1 AND o.deleted_at IS NULL
           AND (o.customer_shopify_id = $2 OR o.shopify_id = ANY($3::numeric[]))), '[]'::jsonb)
     ) AS export`,
    [shopId, customerId, orderIds],
  );
  return rows[0]!.export;
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

/** Records a data request with its export; a repeat of the same request id changes nothing. */
export async function recordDataRequest(db: Queryable, request: DataRequestInput) {
  const data = await exportCustomer(
    db,
    request.shopId,
    request.customerId,
    request.ordersRequested,
  );
  await db.query(
    `INSERT INTO data_requests (shop_id, shopify_request_id, customer_shopify_id, customer_email,
       orders_requested, delivery_id, export, requested_at)
     VALUES ($1, $2, $3, $4, $5::numeric[], $6, $7, $8)
     ON CONFLICT (shop_id, shopify_request_id) DO NOTHING`,
    [
      request.shopId,
      request.shopifyRequestId,
      request.customerId,
      request.customerEmail,
      request.ordersRequested,
      request.deliveryId,
      JSON.stringify(data),
      request.requestedAt,
    ],
  );
}

/**
 * Erases a customer's personal data: their row, the listed orders and their own orders, the
 * webhook payloads that carried it, and earlier exports. Rows not stored yet are kept as erased
 * placeholders, so that a late webhook cannot bring the data back (the guarded upsert never
 * writes personal fields into a redacted row).
 */
export async function redactCustomer(
  db: Queryable,
  shop: { id: number; domain: string },
  customerId: string,
  orderIds: string[],
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
  // Deliveries still waiting for their job are settled here: their payload is gone.
  await db.query(
    `UPDATE webhook_deliveries SET payload = '{"redacted": true}'::jsonb,
       status = CASE WHEN status = 'received' THEN 'ignored' ELSE status END,
       last_error = CASE WHEN status = 'received'
         THEN 'The customer''s data was erased (customers/redact) before this delivery was processed'
         ELSE last_error END,
       processed_at = CASE WHEN status = 'received' THEN now() ELSE processed_at END
     WHERE shop_domain = $1 AND (
       (topic LIKE 'customers/%' AND (payload->>'id' = $2 OR payload->'customer'->>'id' = $2))
       OR (topic LIKE 'orders/%'
         AND (payload->>'id' = ANY($3::text[]) OR payload->'customer'->>'id' = $2)))`,
    [shop.domain, customerId, orderIds],
  );
  await db.query("DELETE FROM data_requests WHERE shop_id = $1 AND customer_shopify_id = $2", [
    shop.id,
    customerId,
  ]);
  // The customer leaves the RFM scores; their segment history keeps only ids and segment names.
  await db.query("DELETE FROM customer_rfm WHERE shop_id = $1 AND customer_shopify_id = $2", [
    shop.id,
    customerId,
  ]);
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
    "customer_rfm",
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
