/**
 * Found by the chaos run (tests/chaos): a customer created in Shopify with no orders arrives as
 * customers/create (no statistics since API 2025-01) and, its statistics not having changed, no
 * customers/purchasing_summary follows. Shopify's Admin API says 0 orders, 0.0 spent in the shop's
 * currency; Recur's copy must say the same (the customers.create task records that zero summary as
 * of the customer's creation), not null until the next reconciliation.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as webhooks from "../../app/routes/webhooks.ts";
import { startAppServer, type AppServer } from "../support/app-server.ts";
import { installShop, query } from "../support/db.ts";
import { drainJobs } from "../support/jobs.ts";
import { purchasingSummary, restCustomer } from "../support/payloads.ts";
import { sendWebhook } from "../support/webhooks.ts";

let app: AppServer;
let shopId: number;
const SHOP = "new-customers.myshopify.com";

beforeAll(async () => {
  app = await startAppServer({ "/webhooks": webhooks });
  shopId = await installShop(SHOP);
});
afterAll(() => app.close());

async function statistics(id: number) {
  return query(
    `SELECT number_of_orders, amount_spent::float8 AS amount_spent, currency_code
     FROM customers WHERE shop_id = $1 AND shopify_id = $2`,
    [shopId, id],
  );
}

describe("a customer created with no orders", () => {
  it("reads as no orders and nothing spent, in the payload's currency, as Shopify says", async () => {
    const created = "2026-11-20T10:00:00+00:00";
    expect(
      await sendWebhook(app.url, {
        shop: SHOP,
        topic: "customers/create",
        payload: restCustomer(701, created, { created_at: created, currency: "EUR" }),
      }),
    ).toBe(200);
    await drainJobs();
    expect(await statistics(701)).toEqual([
      { number_of_orders: 0, amount_spent: 0, currency_code: "EUR" },
    ]);
  });

  it("keeps a purchasing summary that arrived before the customer", async () => {
    const created = "2026-11-20T10:00:00+00:00";
    await sendWebhook(app.url, {
      shop: SHOP,
      topic: "customers/purchasing_summary",
      payload: purchasingSummary(702, "2026-11-20T10:05:00Z", 1, "20.00"),
    });
    await sendWebhook(app.url, {
      shop: SHOP,
      topic: "customers/create",
      payload: restCustomer(702, created, { created_at: created, currency: "EUR" }),
    });
    await drainJobs();
    expect(await statistics(702)).toEqual([
      { number_of_orders: 1, amount_spent: 20, currency_code: "EUR" },
    ]);
  });
});
