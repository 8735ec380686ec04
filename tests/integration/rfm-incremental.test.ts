import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pool } from "../../app/db.server.ts";
import { enqueueShopScoring } from "../../app/lib/rfm/jobs.server.ts";
import * as webhooks from "../../app/routes/webhooks.ts";
import { startAppServer, type AppServer } from "../support/app-server.ts";
import { installShop, query } from "../support/db.ts";
import { drainJobs } from "../support/jobs.ts";
import { restCustomer, restOrder } from "../support/payloads.ts";
import { entries, referenceOfLastRun, rfmRows, segmentChanges } from "../support/rfm.ts";
import { sendWebhook, type WebhookInput } from "../support/webhooks.ts";

let app: AppServer;
beforeAll(async () => {
  app = await startAppServer({ "/webhooks": webhooks });
});
afterAll(() => app.close());

const WEBHOOK_TASKS = ["customers.create", "orders.upsert", "orders.delete"];
const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString();
const UPDATED = "2026-11-20T10:00:00+00:00";

function order(id: number, customer: number, days: number, amount: string, updatedAt = UPDATED) {
  return restOrder(id, updatedAt, {
    customer: { id: customer, admin_graphql_api_id: `gid://shopify/Customer/${customer}` },
    created_at: daysAgo(days),
    processed_at: daysAgo(days),
    total_price: amount,
    current_total_price: amount,
  });
}

async function send(shop: string, input: Omit<WebhookInput, "shop">) {
  expect(await sendWebhook(app.url, { shop, ...input })).toBe(200);
}

/**
 * Five customers, one order each: 100, 80, 60, 40 and 20 days ago, worth 10 to 50. After a full
 * run: r = 1..5, f = 1, m = 1..5, so DORMANT, ALMOST_LOST, NEEDS_ATTENTION, ACTIVE, ACTIVE.
 */
async function fiveCustomerShop(shop: string): Promise<number> {
  const shopId = await installShop(shop);
  for (let c = 1; c <= 5; c++) {
    await send(shop, { topic: "customers/create", payload: restCustomer(c, UPDATED) });
    await send(shop, {
      topic: "orders/create",
      payload: order(100 + c, c, 120 - 20 * c, `${10 * c}.00`),
    });
  }
  await drainJobs();
  // Before the first full run nothing is scored.
  expect((await rfmRows(shopId)).size).toBe(0);
  await enqueueShopScoring(pool, shopId);
  await drainJobs();
  return shopId;
}

describe("incremental RFM rescoring", () => {
  it("an order webhook moves its customer at once and records one change; a replay changes nothing", async () => {
    const shop = "rfm-incremental.myshopify.com";
    const shopId = await fiveCustomerShop(shop);
    const segments = async () =>
      [...entries(await rfmRows(shopId))].map(([id, row]) => [id, row.segment]);
    expect(await segments()).toEqual([
      ["1", "DORMANT"],
      ["2", "ALMOST_LOST"],
      ["3", "NEEDS_ATTENTION"],
      ["4", "ACTIVE"],
      ["5", "ACTIVE"],
    ]);
    const changesBefore = (await segmentChanges(shopId)).length;

    // Customer 1 orders today, for 100: r = f = m = 5 against the last run's breakpoints.
    const webhook = {
      topic: "orders/create",
      webhookId: "rfm-order-1",
      payload: order(200, 1, 0, "100.00"),
    };
    await send(shop, webhook);
    await drainJobs();
    const row = (await rfmRows(shopId)).get("1");
    expect(row).toEqual({
      recencyDays: 0,
      frequency: 2,
      monetary: "110.0000",
      r: 5,
      f: 5,
      m: 5,
      fm: 5,
      segment: "CHAMPIONS",
    });
    const changes = await segmentChanges(shopId);
    expect(changes.slice(changesBefore)).toEqual([
      { customer: "1", from: "DORMANT", to: "CHAMPIONS", rule_set: "v1" },
    ]);
    // The others were not touched.
    expect((await segments()).slice(1)).toEqual([
      ["2", "ALMOST_LOST"],
      ["3", "NEEDS_ATTENTION"],
      ["4", "ACTIVE"],
      ["5", "ACTIVE"],
    ]);

    // The same delivery again (absorbed at intake), and the same event as another delivery (the
    // guarded upsert skips it as equal): no rescoring, no row written, no change.
    const written = await query(
      "SELECT customer_shopify_id::text, updated_at FROM customer_rfm WHERE shop_id = $1 ORDER BY 1",
      [shopId],
    );
    await send(shop, webhook);
    await send(shop, { ...webhook, webhookId: "rfm-order-1-again" });
    await drainJobs();
    expect(
      await query(
        "SELECT customer_shopify_id::text, updated_at FROM customer_rfm WHERE shop_id = $1 ORDER BY 1",
        [shopId],
      ),
    ).toEqual(written);
    expect(await segmentChanges(shopId)).toEqual(changes);

    // The next full run agrees with the incremental one on customer 1 (its values beat every
    // other customer's either way), records no change for them, and equals the rule set.
    await enqueueShopScoring(pool, shopId);
    await drainJobs();
    const full = await rfmRows(shopId);
    expect(full.get("1")).toEqual(row);
    expect((await segmentChanges(shopId)).filter((c) => c.customer === "1")).toHaveLength(2);
    expect(entries(full)).toEqual(entries(await referenceOfLastRun(shopId)));
  });

  it("a burst of order webhooks for one customer is one rescoring job", async () => {
    const shop = "rfm-burst.myshopify.com";
    const shopId = await fiveCustomerShop(shop);
    for (let i = 0; i < 5; i++) {
      await send(shop, { topic: "orders/create", payload: order(300 + i, 2, i, "5.00") });
    }
    await drainJobs({ tasks: WEBHOOK_TASKS });
    const queued = await query<{ key: string }>(
      `SELECT key FROM graphile_worker.jobs WHERE task_identifier = 'rfm.rescore-customer'`,
    );
    expect(queued).toEqual([{ key: `rfm-rescore:${shopId}:2` }]);
    await drainJobs();
    expect((await rfmRows(shopId)).get("2")).toMatchObject({ frequency: 6, monetary: "45.0000" });
  });

  it("an orders/delete webhook moves the customer back; a new customer is a prospect", async () => {
    const shop = "rfm-delete.myshopify.com";
    const shopId = await fiveCustomerShop(shop);
    await send(shop, { topic: "orders/create", payload: order(400, 1, 0, "100.00") });
    await drainJobs();
    expect((await rfmRows(shopId)).get("1")?.segment).toBe("CHAMPIONS");

    await send(shop, { topic: "orders/delete", payload: { id: 400 } });
    await send(shop, { topic: "customers/create", payload: restCustomer(6, UPDATED) });
    await drainJobs();
    const rows = await rfmRows(shopId);
    expect(rows.get("1")).toMatchObject({ frequency: 1, monetary: "10.0000", segment: "DORMANT" });
    expect(rows.get("6")).toMatchObject({ frequency: null, r: null, segment: "PROSPECTS" });
    // The two rescorings ran side by side: their changes may come in either order.
    const last = (await segmentChanges(shopId)).slice(-3);
    expect(last[0]).toEqual({ customer: "1", from: "DORMANT", to: "CHAMPIONS", rule_set: "v1" });
    expect(last.slice(1)).toEqual(
      expect.arrayContaining([
        { customer: "1", from: "CHAMPIONS", to: "DORMANT", rule_set: "v1" },
        { customer: "6", from: null, to: "PROSPECTS", rule_set: "v1" },
      ]),
    );
  });
});
