/**
 * Webhooks are verified without sessions. After an uninstall Shopify revokes the app's tokens, so
 * an offline session whose token expired can no longer be refreshed; `authenticate.webhook` would
 * try (Shopify/shopify-app-js#3360) and answer 500 to app/uninstalled and, 48 hours later, to
 * shop/redact, on every one of Shopify's retries. Recur's intake checks HMAC and headers only.
 */
import { Session } from "@shopify/shopify-api";
import { describe, expect, it } from "vitest";
import { pool } from "../../app/db.server.ts";
import { recordInstall } from "../../app/lib/db/shops.server.ts";
import { sessionStorage } from "../../app/shopify.server.ts";
import { query } from "../support/db.ts";
import { drainJobs } from "../support/jobs.ts";
import { standIn } from "../support/standin.ts";
import { useWebhookApp } from "../support/webhook-app.ts";

useWebhookApp();

/** An expiring offline session whose access token has expired; its refresh token is revoked. */
async function storeExpiredSession(shop: string, accessToken: string) {
  await sessionStorage.storeSession(
    new Session({
      id: `offline_${shop}`,
      shop,
      state: "test",
      isOnline: false,
      scope: "read_customers,read_orders,read_all_orders",
      accessToken,
      expires: new Date(Date.now() - 60 * 60 * 1000),
      refreshToken: "shprt_revoked_at_uninstall",
      refreshTokenExpires: new Date(Date.now() + 24 * 60 * 60 * 1000),
    }),
  );
}

/** Statuses Recur answered to the stand-in's attempts at each delivery of a topic. */
function answered(shop: string, topic: string) {
  return standIn()
    .deliveries({ shop })
    .filter((delivery) => delivery.topic === topic)
    .map((delivery) => delivery.attempts.map((attempt) => attempt.statusCode));
}

describe("webhooks of an uninstalled shop whose token expired and was revoked", () => {
  it("app/uninstalled and then shop/redact are accepted (200) at the first attempt and processed", async () => {
    const seeded = await standIn().seedShop({
      shop: "revoked-token",
      customers: 3,
      orders: 3,
      install: true,
    });
    const shop = seeded.shop;
    const { shop: row } = await recordInstall(pool, shop, "read_customers,read_orders");
    await storeExpiredSession(shop, seeded.accessToken!);
    await query(
      "INSERT INTO customers (shop_id, shopify_id, email, shopify_updated_at) VALUES ($1, 1, 'a@example.com', now())",
      [row.id],
    );

    // The merchant uninstalls: Shopify revokes the tokens and sends app/uninstalled.
    standIn().uninstall(shop);
    await standIn().waitForDeliveries(10_000);
    expect(answered(shop, "app/uninstalled")).toEqual([[200]]);
    await drainJobs();
    expect(await query("SELECT state::text AS state FROM shops WHERE id = $1", [row.id])).toEqual([
      { state: "uninstalled" },
    ]);

    // Worst case for shop/redact: the expired session is still there (an app/uninstalled that
    // Recur never received would leave it).
    await storeExpiredSession(shop, seeded.accessToken!);
    standIn().sendShopRedact(shop);
    await standIn().waitForDeliveries(10_000);
    expect(answered(shop, "shop/redact")).toEqual([[200]]);
    await drainJobs();

    const deliveries = await query<{ topic: string; status: string }>(
      "SELECT topic, status::text FROM webhook_deliveries WHERE shop_domain = $1 ORDER BY received_at",
      [shop],
    );
    expect(deliveries).toEqual([{ topic: "shop/redact", status: "processed" }]);
    expect(
      await query(
        "SELECT redacted_at IS NOT NULL AS redacted, (SELECT count(*)::int FROM customers WHERE shop_id = $1) AS customers FROM shops WHERE id = $1",
        [row.id],
      ),
    ).toEqual([{ redacted: true, customers: 0 }]);
  });
});
