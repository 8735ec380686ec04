// Honest outcomes (docs/decisions/039): a delivery older than what Recur stores is settled
// `skipped`, "older than stored", not `processed`; one that changed data, or that repeats the stored
// version, is `processed`. Deliveries go through the real intake (signed HTTP to /webhooks) and the
// real worker tasks (graphile-worker, run until the queue is empty); the overview's webhook card
// counts the skipped ones and the deliveries list filters by them.
import { beforeAll, describe, expect, it } from "vitest";
import * as overview from "../../app/routes/app._index/route.tsx";
import * as deliveriesPage from "../../app/routes/app.deliveries._index.tsx";
import { query } from "../support/db.ts";
import { drainJobs } from "../support/jobs.ts";
import { purchasingSummary, restCustomer, restOrder, tagsChanged } from "../support/payloads.ts";
import { seedInstalledShop } from "../support/sync.ts";
import { sendWebhook, type WebhookInput } from "../support/webhooks.ts";
import { load, type PageBody } from "./admin-helpers.ts";
import { useWebhookApp } from "../support/webhook-app.ts";

const app = useWebhookApp();
let shop: { domain: string; shopId: number };

beforeAll(async () => {
  shop = await seedInstalledShop({ shop: "stale", customers: 0, orders: 0 });
});

const at = (minute: number) => new Date(Date.UTC(2026, 10, 20, 10, minute)).toISOString();

/** Sends one delivery, runs its job, and returns how it was settled. */
async function deliver(input: Omit<WebhookInput, "shop" | "webhookId">) {
  const webhookId = crypto.randomUUID();
  expect(await sendWebhook(app.url, { shop: shop.domain, webhookId, ...input })).toBe(200);
  await drainJobs();
  const [row] = await query<{ status: string; last_error: string | null }>(
    "SELECT status::text, last_error FROM webhook_deliveries WHERE id = $1",
    [webhookId],
  );
  return row;
}

const skipped = { status: "skipped", last_error: "older than stored" };
const processed = { status: "processed", last_error: null };

async function order(id: number) {
  const [row] = await query<{ total: number; shopify_updated_at: Date; deleted: boolean }>(
    `SELECT total_price::float8 AS total, shopify_updated_at, deleted_at IS NOT NULL AS deleted
     FROM orders WHERE shop_id = $1 AND shopify_id = $2`,
    [shop.shopId, id],
  );
  return row;
}

describe("orders", () => {
  it("skips an orders/updated older than the stored order, and writes nothing", async () => {
    expect(
      await deliver({
        topic: "orders/create",
        payload: restOrder(1, at(2), { total_price: "20.00" }),
      }),
    ).toEqual(processed);
    expect(
      await deliver({
        topic: "orders/updated",
        payload: restOrder(1, at(1), { total_price: "10.00" }),
      }),
    ).toEqual(skipped);
    expect(await order(1)).toEqual({
      total: 20,
      shopify_updated_at: new Date(at(2)),
      deleted: false,
    });
  });

  it("processes a newer version, and a repeat of the stored one (identical, not stale)", async () => {
    await deliver({ topic: "orders/create", payload: restOrder(2, at(1)) });
    const newer = restOrder(2, at(3), { total_price: "30.00" });
    expect(await deliver({ topic: "orders/updated", payload: newer })).toEqual(processed);
    // The same version again, as another event (a sync wrote it first, or Shopify sent it twice).
    expect(await deliver({ topic: "orders/updated", payload: newer })).toEqual(processed);
    expect(await order(2)).toMatchObject({ total: 30 });
  });

  it("skips an orders/delete older than the stored version, which stays live", async () => {
    await deliver({ topic: "orders/create", payload: restOrder(3, at(5)) });
    expect(
      await deliver({ topic: "orders/delete", payload: { id: 3 }, triggeredAt: at(4) }),
    ).toEqual(skipped);
    expect(await order(3)).toMatchObject({ deleted: false });
    // A deletion after it is written; the same deletion again changes nothing and is no stale one.
    expect(
      await deliver({ topic: "orders/delete", payload: { id: 3 }, triggeredAt: at(6) }),
    ).toEqual(processed);
    expect(
      await deliver({ topic: "orders/delete", payload: { id: 3 }, triggeredAt: at(6) }),
    ).toEqual(processed);
    // An update from before the deletion is older than what is stored: the tombstone.
    expect(await deliver({ topic: "orders/updated", payload: restOrder(3, at(5.5)) })).toEqual(
      skipped,
    );
    expect(await order(3)).toMatchObject({ deleted: true });
  });
});

describe("customers", () => {
  it("skips a customers/update older than the stored profile", async () => {
    await deliver({
      topic: "customers/create",
      payload: restCustomer(10, at(5), { first_name: "New" }),
    });
    expect(
      await deliver({
        topic: "customers/update",
        payload: restCustomer(10, at(4), { first_name: "Old" }),
      }),
    ).toEqual(skipped);
    const [row] = await query<{ first_name: string }>(
      "SELECT first_name FROM customers WHERE shop_id = $1 AND shopify_id = 10",
      [shop.shopId],
    );
    expect(row).toEqual({ first_name: "New" });
  });

  it("skips a purchasing summary older than the stored one; tag changes merge at any age", async () => {
    await deliver({ topic: "customers/create", payload: restCustomer(11, at(1)) });
    expect(
      await deliver({
        topic: "customers/purchasing_summary",
        payload: purchasingSummary(11, at(10), 3, "90.00"),
      }),
    ).toEqual(processed);
    expect(
      await deliver({
        topic: "customers/purchasing_summary",
        payload: purchasingSummary(11, at(9), 2, "60.00"),
      }),
    ).toEqual(skipped);
    await deliver({ topic: "customer.tags_added", payload: tagsChanged(11, at(8), ["vip"]) });
    // Older than the tag's stored time: the per-tag clock merges it (nothing changes), never skipped.
    expect(
      await deliver({ topic: "customer.tags_added", payload: tagsChanged(11, at(7), ["vip"]) }),
    ).toEqual(processed);
    const [row] = await query<{ number_of_orders: number; tags: string[] }>(
      "SELECT number_of_orders, tags FROM customers WHERE shop_id = $1 AND shopify_id = 11",
      [shop.shopId],
    );
    expect(row).toEqual({ number_of_orders: 3, tags: ["vip"] });
  });

  it("skips an update older than the stored deletion", async () => {
    await deliver({ topic: "customers/create", payload: restCustomer(12, at(1)) });
    await deliver({ topic: "customers/delete", payload: { id: 12 }, triggeredAt: at(3) });
    expect(await deliver({ topic: "customers/update", payload: restCustomer(12, at(2)) })).toEqual(
      skipped,
    );
  });
});

describe("the admin", () => {
  it("counts skipped deliveries on the overview's webhook card and lists them by that status", async () => {
    const [{ count }] = (await query<{ count: number }>(
      "SELECT count(*)::int AS count FROM webhook_deliveries WHERE shop_domain = $1 AND status = 'skipped'",
      [shop.domain],
    )) as [{ count: number }];
    // The cases above skipped six deliveries of this shop.
    expect(count).toBe(6);

    const home = await load<{ health: { skipped: number; processed: number } }>(
      overview,
      shop.domain,
      "/app",
    );
    expect(home.status).toBe(200);
    expect(home.body.health.skipped).toBe(6);

    const list = await load<PageBody<{ status: string; lastError: string | null }>>(
      deliveriesPage,
      shop.domain,
      "/app/deliveries?status=skipped",
    );
    expect(list.status).toBe(200);
    expect(list.body.page.rows).toHaveLength(6);
    for (const row of list.body.page.rows) {
      expect(row).toMatchObject({ status: "skipped", lastError: "older than stored" });
    }
  });
});
