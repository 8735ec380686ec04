/**
 * Recur against the stand-in speaking Shopify's real shapes (tests/shopify-standin/README.md,
 * "Shopify's real shapes"): ids above 2^53 in webhooks and bulk lines, an app approved for no
 * protected customer data, fulfillments and refunds repeating line items, an order with 600 line
 * items, an on-hold order, compact bodies with `\/`, and the documented app/uninstalled nulls.
 * Everything goes through the real intake, worker and bulk ingest.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pool } from "../../app/db.server.ts";
import { requestSync } from "../../app/lib/sync/request.server.ts";
import * as webhooks from "../../app/routes/webhooks.ts";
import { shopifyIdOf } from "../shopify-standin/index.ts";
import { startAppServer, type AppServer } from "../support/app-server.ts";
import { query, unsettledDeliveries } from "../support/db.ts";
import { drainJobs } from "../support/jobs.ts";
import { standIn } from "../support/standin.ts";
import { seedInstalledShop, settleSyncs } from "../support/sync.ts";

const OFFSET = 2n ** 63n;
const shapes = { idOffset: OFFSET };
const exactId = (id: string) => shopifyIdOf(shapes, id);

let app: AppServer;
let domain: string;
let shopId: number;

beforeAll(async () => {
  app = await startAppServer({ "/webhooks": webhooks });
  ({ domain, shopId } = await seedInstalledShop({
    shop: "real-shapes",
    customers: 20,
    orders: 40,
  }));
  standIn().setPayloadShapes(domain, {
    idOffset: OFFSET,
    shopifyJson: true,
    fulfillmentsAndRefunds: true,
    documentedNulls: true,
  });
  await requestSync(pool, shopId, "full");
  await settleSyncs();
});
afterAll(() => app.close());

async function deliverAndProcess() {
  await standIn().waitForDeliveries();
  await drainJobs();
  expect(await unsettledDeliveries()).toEqual([]);
}

async function storedOrder(id: string) {
  const rows = await query<{ fulfillment_status: string | null; line_items: number }>(
    `SELECT o.fulfillment_status,
       (SELECT count(*)::int FROM order_line_items li
        WHERE li.shop_id = o.shop_id AND li.order_shopify_id = o.shopify_id) AS line_items
     FROM orders o WHERE o.shop_id = $1 AND o.shopify_id = $2`,
    [shopId, exactId(id)],
  );
  return rows[0];
}

describe("Shopify's real shapes, end to end", () => {
  it("a full sync stores every customer and order under its exact id above 2^63", async () => {
    const truth = standIn().groundTruth(domain);
    const customers = await query<{ id: string }>(
      "SELECT shopify_id::text AS id FROM customers WHERE shop_id = $1 ORDER BY shopify_id",
      [shopId],
    );
    expect(customers.map((c) => c.id)).toEqual(truth.customers.map((c) => exactId(c.id)).sort());
    const lineItems = await query<{ id: string; order: string }>(
      `SELECT shopify_id::text AS id, order_shopify_id::text AS order FROM order_line_items
       WHERE shop_id = $1`,
      [shopId],
    );
    const expected = truth.orders.flatMap((o) =>
      o.lineItems.map((li) => ({ id: exactId(li.id), order: exactId(o.id) })),
    );
    expect(lineItems).toHaveLength(expected.length);
    expect(lineItems).toEqual(expect.arrayContaining(expected));
  });

  it("webhooks without protected customer data keep the names, email and phone Recur holds", async () => {
    const [customer] = standIn().groundTruth(domain).customers;
    const before = await query(
      "SELECT email, first_name, last_name, phone FROM customers WHERE shop_id = $1 AND shopify_id = $2",
      [shopId, exactId(customer!.id)],
    );
    standIn().setPayloadShapes(domain, {
      ...standIn().getPayloadShapes(domain),
      approvedFields: [],
    });
    try {
      standIn().updateCustomer(domain, customer!.id, {
        firstName: "Changed",
        email: "changed@example.com",
        state: "DISABLED",
      });
      await deliverAndProcess();
    } finally {
      const { approvedFields: _, ...rest } = standIn().getPayloadShapes(domain);
      standIn().setPayloadShapes(domain, rest);
    }
    const after = await query(
      `SELECT email, first_name, last_name, phone, state FROM customers
       WHERE shop_id = $1 AND shopify_id = $2`,
      [shopId, exactId(customer!.id)],
    );
    expect(after).toEqual([{ ...before[0], state: "DISABLED" }]);
  });

  it("an on-hold order keeps ON_HOLD as webhooks and syncs alternate", async () => {
    const order = standIn().createOrder(domain, { fulfillmentStatus: "ON_HOLD" });
    await deliverAndProcess();
    expect((await storedOrder(order.id))?.fulfillment_status).toBe("UNFULFILLED");
    await requestSync(pool, shopId, "full");
    await settleSyncs();
    expect((await storedOrder(order.id))?.fulfillment_status).toBe("ON_HOLD");
    standIn().updateOrder(domain, order.id, { tags: ["wholesale"] });
    await deliverAndProcess();
    expect((await storedOrder(order.id))?.fulfillment_status).toBe("ON_HOLD");
  });

  it("a fulfilled, refunded order and an order with 600 line items are stored whole", async () => {
    const refunded = standIn().createOrder(domain, {
      fulfillmentStatus: "FULFILLED",
      lineItems: [
        { title: "A", price: "10.00" },
        { title: "B", price: "20.00", quantity: 2 },
      ],
    });
    standIn().updateOrder(domain, refunded.id, { refund: "10.00" });
    const large = standIn().createOrder(domain, {
      lineItems: Array.from({ length: 600 }, (_, i) => ({ title: `Item ${i}`, price: "1.00" })),
    });
    await deliverAndProcess();
    expect(await storedOrder(refunded.id)).toEqual({
      fulfillment_status: "FULFILLED",
      line_items: 2,
    });
    expect(await storedOrder(large.id)).toEqual({
      fulfillment_status: "UNFULFILLED",
      line_items: 600,
    });
  });

  it("app/uninstalled with myshopify_domain and other fields null uninstalls the shop", async () => {
    standIn().uninstall(domain);
    await deliverAndProcess();
    const [delivery] = standIn().deliveries({ shop: domain, topic: "app/uninstalled" });
    expect(delivery?.body).toContain('"myshopify_domain":null');
    expect(await query("SELECT state::text AS state FROM shops WHERE id = $1", [shopId])).toEqual([
      { state: "uninstalled" },
    ]);
  });
});
