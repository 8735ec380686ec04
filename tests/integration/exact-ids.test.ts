/**
 * Shopify's ids are unsigned 64-bit integers, sent in webhook bodies as JSON numbers (its own
 * documented example bodies use ids above 2^53) and in bulk output inside GIDs. Any id from 1 to
 * 2^64 - 1 is stored exactly, by the webhook path (signed, posted, processed by the real tasks) and
 * by the bulk ingest; ids outside that range are refused, one delivery or one line at a time.
 */
import fc from "fast-check";
import { stringify } from "lossless-json";
import { beforeAll, describe, expect, it } from "vitest";
import { pool } from "../../app/db.server.ts";
import { ingestBulkResult } from "../../app/lib/sync/ingest.server.ts";
import { bulkLineItemLine, bulkOrderLine } from "../support/bulk-lines.ts";
import { installShop, query } from "../support/db.ts";
import { drainJobs } from "../support/jobs.ts";
import { restCustomer, restOrder } from "../support/payloads.ts";
import { sendWebhook } from "../support/webhooks.ts";
import { useWebhookApp } from "../support/webhook-app.ts";

const MAX = 2n ** 64n - 1n;
/** Ids from 1 to 2^64 - 1, with the edges (2^53 ± 1, 2^63 ± 1, 2^64 - 1) drawn often. */
const shopifyId = fc.oneof(
  fc.bigInt({ min: 1n, max: MAX }),
  fc.constantFrom(
    1n,
    2n ** 53n - 1n,
    2n ** 53n + 1n,
    2n ** 63n - 1n,
    2n ** 63n,
    2n ** 63n + 1n,
    MAX,
  ),
);

const app = useWebhookApp();
let shopId: number;
const SHOP = "exact-ids.myshopify.com";

beforeAll(async () => {
  shopId = await installShop(SHOP);
});

/** Posts a body in which bigints are JSON numbers, as Shopify writes its ids. */
async function post(topic: string, payload: unknown, shop = SHOP): Promise<string> {
  const webhookId = crypto.randomUUID();
  const status = await sendWebhook(app.url, {
    topic,
    shop,
    payload,
    webhookId,
    body: stringify(payload)!,
  });
  expect(status).toBe(200);
  return webhookId;
}

const at = (second: number) => new Date(Date.UTC(2026, 10, 20, 10, 0, second)).toISOString();

async function delivery(id: string) {
  const rows = await query<{ status: string; last_error: string | null }>(
    "SELECT status::text, last_error FROM webhook_deliveries WHERE id = $1",
    [id],
  );
  return rows[0];
}

describe("Shopify ids from 1 to 2^64 - 1, by webhook", () => {
  it("property: a customer, an order with its line item, product, variant and customer, and the order's deletion keep their ids exactly", async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(shopifyId, { minLength: 5, maxLength: 5, selector: String }),
        async ([customerId, orderId, lineItemId, productId, variantId]) => {
          // A shop per run: shrinking repeats ids, and a deleted order stays a tombstone.
          run += 1;
          const shop = `exact-ids-${run}.myshopify.com`;
          const runShop = await installShop(shop);
          const version = run;
          const c = customerId!;
          const customer = {
            ...restCustomer(0, at(version)),
            id: c,
            admin_graphql_api_id: `gid://shopify/Customer/${c}`,
          };
          const base = restOrder(0, at(version));
          const order = {
            ...base,
            id: orderId!,
            admin_graphql_api_id: `gid://shopify/Order/${orderId}`,
            customer: { id: c, admin_graphql_api_id: `gid://shopify/Customer/${c}` },
            line_items: [
              {
                ...base.line_items[0]!,
                id: lineItemId!,
                admin_graphql_api_id: `gid://shopify/LineItem/${lineItemId}`,
                product_id: productId!,
                variant_id: variantId!,
              },
            ],
          };
          await post("customers/update", customer, shop);
          await post("orders/create", order, shop);
          await drainJobs();

          const customers = await query<{ id: string }>(
            "SELECT shopify_id::text AS id FROM customers WHERE shop_id = $1 AND shopify_id = $2",
            [runShop, String(c)],
          );
          expect(customers).toEqual([{ id: String(c) }]);
          const orders = await query(
            `SELECT o.shopify_id::text AS id, o.customer_shopify_id::text AS customer,
               li.shopify_id::text AS line_item, li.product_shopify_id::text AS product,
               li.variant_shopify_id::text AS variant
             FROM orders o JOIN order_line_items li
               ON li.shop_id = o.shop_id AND li.order_shopify_id = o.shopify_id
             WHERE o.shop_id = $1 AND o.shopify_id = $2`,
            [runShop, String(orderId)],
          );
          expect(orders).toEqual([
            {
              id: String(orderId),
              customer: String(c),
              line_item: String(lineItemId),
              product: String(productId),
              variant: String(variantId),
            },
          ]);

          // orders/delete carries the numeric id alone: no GID to fall back on.
          await post("orders/delete", { id: orderId }, shop);
          await drainJobs();
          const deleted = await query<{ deleted: boolean }>(
            `SELECT deleted_at IS NOT NULL AS deleted FROM orders WHERE shop_id = $1 AND shopify_id = $2`,
            [runShop, String(orderId)],
          );
          expect(deleted).toEqual([{ deleted: true }]);
        },
      ),
      { numRuns: 15 },
    );
  });

  it("refuses ids outside 1 to 2^64 - 1 as dead letters naming the id, and stores nothing", async () => {
    for (const id of [0n, 2n ** 64n, -5n]) {
      const webhookId = await post("orders/delete", { id });
      await drainJobs();
      expect(await delivery(webhookId)).toMatchObject({
        status: "dead_letter",
        last_error: expect.stringContaining("id: is not a Shopify id"),
      });
    }
    const rows = await query("SELECT 1 FROM orders WHERE shop_id = $1 AND shopify_id >= $2", [
      shopId,
      (2n ** 64n).toString(),
    ]);
    expect(rows).toEqual([]);
  });

  it("keeps the ids of customers/data_request exactly (request, customer and orders above 2^63)", async () => {
    const request = {
      shop_id: 2n ** 63n + 7n,
      shop_domain: SHOP,
      orders_requested: [MAX, 2n ** 63n],
      customer: { id: MAX - 1n, email: "exact@example.com", phone: null },
      data_request: { id: 2n ** 63n + 9n },
    };
    await post("customers/data_request", request);
    await drainJobs();
    const rows = await query(
      `SELECT shopify_request_id::text AS request, customer_shopify_id::text AS customer,
         orders_requested::text[] AS orders
       FROM data_requests WHERE shop_id = $1`,
      [shopId],
    );
    expect(rows).toEqual([
      {
        request: String(2n ** 63n + 9n),
        customer: String(MAX - 1n),
        orders: [String(MAX), String(2n ** 63n)],
      },
    ]);
  });
});

describe("Shopify ids from 1 to 2^64 - 1, by bulk ingest", () => {
  let run = 0;
  async function ingest(entity: "customers" | "orders", lines: unknown[]) {
    run += 1;
    const { rows } = await pool.query<{ id: number }>(
      "INSERT INTO shops (domain) VALUES ($1) RETURNING id",
      [`exact-bulk-${run}.myshopify.com`],
    );
    const bulkShop = rows[0]!.id;
    const client = await pool.connect();
    try {
      const text = lines.map((line) => JSON.stringify(line)).join("\n") + "\n";
      const counts = await ingestBulkResult(client, new Blob([text]).stream(), {
        shopId: bulkShop,
        entity,
        snapshotAt: at(0),
      });
      return { shopId: bulkShop, counts };
    } finally {
      client.release();
    }
  }

  const orderLine = (id: bigint, customerId: bigint) =>
    bulkOrderLine(id, { customerId, createdAt: at(0), updatedAt: at(1) });
  const lineItemLine = (id: bigint, orderId: bigint, productId: bigint, variantId: bigint) =>
    bulkLineItemLine(id, orderId, { productId, variantId });

  it("property: orders, line items, products, variants and customers keep their ids exactly", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(shopifyId, { minLength: 5, maxLength: 5, selector: String }),
        async ([orderId, lineItemId, productId, variantId, customerId]) => {
          const { shopId: bulkShop, counts } = await ingest("orders", [
            orderLine(orderId!, customerId!),
            lineItemLine(lineItemId!, orderId!, productId!, variantId!),
          ]);
          expect(counts).toMatchObject({ written: 1, rejected: 0 });
          const rows = await query(
            `SELECT o.shopify_id::text AS id, o.customer_shopify_id::text AS customer,
               li.shopify_id::text AS line_item, li.product_shopify_id::text AS product,
               li.variant_shopify_id::text AS variant
             FROM orders o JOIN order_line_items li
               ON li.shop_id = o.shop_id AND li.order_shopify_id = o.shopify_id
             WHERE o.shop_id = $1`,
            [bulkShop],
          );
          expect(rows).toEqual([
            {
              id: String(orderId),
              customer: String(customerId),
              line_item: String(lineItemId),
              product: String(productId),
              variant: String(variantId),
            },
          ]);

          const customer = await ingest("customers", [
            {
              id: `gid://shopify/Customer/${customerId}`,
              firstName: "Ada",
              lastName: null,
              state: "ENABLED",
              tags: [],
              updatedAt: at(1),
            },
          ]);
          expect(customer.counts).toMatchObject({ written: 1, rejected: 0 });
          expect(
            await query("SELECT shopify_id::text AS id FROM customers WHERE shop_id = $1", [
              customer.shopId,
            ]),
          ).toEqual([{ id: String(customerId) }]);
        },
      ),
      { numRuns: 15 },
    );
  });

  it("rejects a line whose id is out of range as one line, and writes the others", async () => {
    const { shopId: bulkShop, counts } = await ingest("orders", [
      orderLine(2n ** 64n, 5n),
      orderLine(MAX, 5n),
      orderLine(0n, 5n),
      lineItemLine(2n ** 64n + 1n, MAX, 1n, 1n),
      lineItemLine(9n, MAX, 1n, 1n),
    ]);
    expect(counts).toMatchObject({ lines: 5, written: 1, rejected: 3 });
    expect(counts.rejections).toEqual([
      `line 1: gid://shopify/Order/${2n ** 64n} is not a GID with an id from 1 to 2^64 - 1`,
      "line 3: gid://shopify/Order/0 is not a GID with an id from 1 to 2^64 - 1",
      `line 4: gid://shopify/LineItem/${2n ** 64n + 1n} is not a GID with an id from 1 to 2^64 - 1`,
    ]);
    expect(
      await query(
        `SELECT o.shopify_id::text AS id, li.shopify_id::text AS line_item
         FROM orders o JOIN order_line_items li
           ON li.shop_id = o.shop_id AND li.order_shopify_id = o.shopify_id
         WHERE o.shop_id = $1`,
        [bulkShop],
      ),
    ).toEqual([{ id: String(MAX), line_item: "9" }]);
  });
});
