import { describe, expect, it } from "vitest";
import { pool } from "../../app/db.server.ts";
import { scoreShop } from "../../app/lib/rfm/score-shop.server.ts";
import { deliveries, installShop, query } from "../support/db.ts";
import { drainJobs } from "../support/jobs.ts";
import { restCustomer, restOrder } from "../support/payloads.ts";
import { sendWebhook, type WebhookInput } from "../support/webhooks.ts";
import { useWebhookApp } from "../support/webhook-app.ts";

const app = useWebhookApp();

async function deliver(input: WebhookInput) {
  expect(await sendWebhook(app.url, input)).toBe(200);
  await drainJobs();
}

/** Delivers the same event twice, as two deliveries (Shopify's retry of a failed delivery is the same webhook id; this is a second delivery). */
async function deliverTwice(input: WebhookInput) {
  await deliver({ ...input, webhookId: `${input.topic}-first-${Math.random()}` });
  await deliver({ ...input, webhookId: `${input.topic}-second-${Math.random()}` });
}

const now = () => new Date().toISOString();

async function seedShop(shop: string) {
  const shopId = await installShop(shop);
  await query(
    `INSERT INTO sessions (id, shop, state, "isOnline", "accessToken") VALUES ($1, $2, 'state', false, 'shpat_x')`,
    [`offline_${shop}`, shop],
  );
  await deliver({
    topic: "customers/create",
    shop,
    payload: restCustomer(7, now(), { email: "grace@example.com", phone: "+15550100" }),
  });
  await deliver({ topic: "orders/create", shop, payload: restOrder(70, now()) });
  await deliver({ topic: "orders/create", shop, payload: restOrder(71, now()) });
  const client = await pool.connect();
  await scoreShop(client, shopId).finally(() => client.release());
  return shopId;
}

describe("app/uninstalled", () => {
  it("deletes sessions, marks the shop uninstalled and cancels running syncs; twice changes nothing", async () => {
    const shop = "uninstall.myshopify.com";
    const shopId = await seedShop(shop);
    await query(`INSERT INTO sync_runs (shop_id, kind, entity) VALUES ($1, 'full', 'customers')`, [
      shopId,
    ]);

    await deliverTwice({
      topic: "app/uninstalled",
      shop,
      payload: { id: 1, myshopify_domain: shop },
    });

    expect(await query("SELECT id FROM sessions WHERE shop = $1", [shop])).toEqual([]);
    const [row] = await query<{ state: string; uninstalled_at: Date | null }>(
      "SELECT state::text, uninstalled_at FROM shops WHERE id = $1",
      [shopId],
    );
    expect(row?.state).toBe("uninstalled");
    expect(row?.uninstalled_at).toBeInstanceOf(Date);
    expect(
      await query("SELECT status::text, error_message FROM sync_runs WHERE shop_id = $1", [shopId]),
    ).toEqual([{ status: "canceled", error_message: "The shop uninstalled Recur" }]);
    const uninstalls = (await deliveries()).filter((d) => d.topic === "app/uninstalled");
    expect(uninstalls.map((d) => d.status)).toEqual(["processed", "processed"]);

    // Later webhooks of the uninstalled shop are recorded and ignored, with the reason.
    await deliver({
      topic: "customers/update",
      shop,
      payload: restCustomer(7, now()),
      webhookId: "after-uninstall",
    });
    expect((await deliveries()).find((d) => d.id === "after-uninstall")).toMatchObject({
      status: "ignored",
      last_error: `${shop} has uninstalled Recur`,
    });
  });

  it("ignores an uninstall older than the shop's latest install", async () => {
    const shop = "reinstalled.myshopify.com";
    await installShop(shop);
    await query("UPDATE shops SET installed_at = now() WHERE domain = $1", [shop]);
    await deliver({
      topic: "app/uninstalled",
      shop,
      payload: { id: 2 },
      webhookId: "late-uninstall",
      triggeredAt: new Date(Date.now() - 3_600_000).toISOString(),
    });
    expect((await deliveries()).find((d) => d.id === "late-uninstall")?.last_error).toMatch(
      /^Stale: reinstalled\.myshopify\.com installed Recur again at/,
    );
    expect(await query("SELECT state::text FROM shops WHERE domain = $1", [shop])).toEqual([
      { state: "installed" },
    ]);
  });
});

describe("customers/data_request", () => {
  it("records the request once with an export of the customer and their orders", async () => {
    const shop = "data-request.myshopify.com";
    const shopId = await seedShop(shop);
    const payload = {
      shop_id: 1,
      shop_domain: shop,
      orders_requested: [70, 71],
      customer: { id: 7, email: "grace@example.com", phone: "+15550100" },
      data_request: { id: 9001 },
    };
    await deliverTwice({ topic: "customers/data_request", shop, payload });

    const requests = await query<{
      shopify_request_id: string;
      export: { customer: { email: string }; orders: { id: string; lineItems: unknown[] }[] };
    }>("SELECT shopify_request_id::text, export FROM data_requests WHERE shop_id = $1", [shopId]);
    expect(requests).toHaveLength(1);
    expect(requests[0]?.shopify_request_id).toBe("9001");
    expect(requests[0]?.export.customer.email).toBe("grace@example.com");
    expect(requests[0]?.export.orders.map((order) => order.id)).toEqual(["70", "71"]);
    expect(requests[0]?.export.orders[0]?.lineItems).toHaveLength(1);
  });
});

describe("customers/redact", () => {
  it("erases the customer's personal data everywhere, and a late webhook cannot bring it back", async () => {
    const shop = "redact.myshopify.com";
    const shopId = await seedShop(shop);
    const payload = {
      shop_id: 1,
      shop_domain: shop,
      customer: { id: 7, email: "grace@example.com", phone: "+15550100" },
      orders_to_redact: [70, 71, 72],
    };
    expect(await query("SELECT 1 FROM customer_rfm WHERE shop_id = $1", [shopId])).toHaveLength(1);
    await deliverTwice({ topic: "customers/redact", shop, payload });
    // The customer leaves the RFM scores; their segment history (ids and names only) stays.
    expect(await query("SELECT 1 FROM customer_rfm WHERE shop_id = $1", [shopId])).toEqual([]);
    expect(
      await query(
        "SELECT customer_shopify_id::text AS id, to_segment FROM rfm_segment_changes WHERE shop_id = $1",
        [shopId],
      ),
    ).toEqual([{ id: "7", to_segment: "DORMANT" }]);

    expect(
      await query(
        "SELECT email, first_name, last_name, phone, redacted_at IS NOT NULL AS redacted FROM customers WHERE shop_id = $1 AND shopify_id = 7",
        [shopId],
      ),
    ).toEqual([{ email: null, first_name: null, last_name: null, phone: null, redacted: true }]);
    expect(
      await query(
        "SELECT shopify_id::text, email FROM orders WHERE shop_id = $1 ORDER BY shopify_id",
        [shopId],
      ),
    ).toEqual([
      { shopify_id: "70", email: null },
      { shopify_id: "71", email: null },
      { shopify_id: "72", email: null },
    ]);
    const stored = await query<{ payload: string }>(
      "SELECT payload::text FROM webhook_deliveries WHERE shop_domain = $1",
      [shop],
    );
    expect(
      stored.filter(
        (row) => row.payload.includes("grace@example.com") || row.payload.includes("+15550100"),
      ),
    ).toEqual([]);

    await deliver({
      topic: "customers/update",
      shop,
      payload: restCustomer(7, new Date(Date.now() + 60_000).toISOString(), {
        email: "grace@example.com",
      }),
    });
    await deliver({ topic: "orders/create", shop, payload: restOrder(72, now()) });
    expect(
      await query("SELECT email FROM customers WHERE shop_id = $1 AND shopify_id = 7", [shopId]),
    ).toEqual([{ email: null }]);
    expect(
      await query("SELECT email FROM orders WHERE shop_id = $1 AND shopify_id = 72", [shopId]),
    ).toEqual([{ email: null }]);
  });
});

describe("shop/redact", () => {
  it("erases everything Recur holds for the shop, once", async () => {
    const shop = "shop-redact.myshopify.com";
    const shopId = await seedShop(shop);
    await deliver({ topic: "app/uninstalled", shop, payload: { id: 3 } });
    await deliverTwice({ topic: "shop/redact", shop, payload: { shop_id: 3, shop_domain: shop } });

    for (const table of [
      "customers",
      "orders",
      "order_line_items",
      "sync_runs",
      "data_requests",
      "customer_rfm",
      "rfm_segment_changes",
      "rfm_runs",
      "rfm_segment_sizes",
    ]) {
      expect(await query(`SELECT 1 FROM ${table} WHERE shop_id = $1`, [shopId])).toEqual([]);
    }
    expect(await query("SELECT 1 FROM sessions WHERE shop = $1", [shop])).toEqual([]);
    expect(
      await query("SELECT topic FROM webhook_deliveries WHERE shop_domain = $1", [shop]),
    ).toEqual([{ topic: "shop/redact" }]);
    expect(
      await query("SELECT redacted_at IS NOT NULL AS redacted FROM shops WHERE id = $1", [shopId]),
    ).toEqual([{ redacted: true }]);
  });

  it("records a request for a shop Recur never knew as ignored, with the reason", async () => {
    await deliver({
      topic: "shop/redact",
      shop: "stranger.myshopify.com",
      payload: { shop_id: 4, shop_domain: "stranger.myshopify.com" },
      webhookId: "stranger",
    });
    expect((await deliveries()).find((d) => d.id === "stranger")).toMatchObject({
      status: "ignored",
      last_error: "Recur holds no data for stranger.myshopify.com",
    });
  });
});
