/**
 * Bodies shaped as Shopify really sends them, signed, posted through the real intake and
 * processed by the real tasks. These bodies are Recur's own, written after the facts the project's
 * Shopify notes record from shopify.dev's 2026-07 webhook reference: the search corpus gave none
 * of Shopify's documented bodies verbatim (tests/fixtures/README.md says what was tried).
 */
import { describe, expect, it } from "vitest";
import { installShop, query } from "../support/db.ts";
import { drainJobs } from "../support/jobs.ts";
import { sendWebhook } from "../support/webhooks.ts";
import { useWebhookApp } from "../support/webhook-app.ts";

const app = useWebhookApp();

async function post(shop: string, topic: string, body: string) {
  const webhookId = crypto.randomUUID();
  expect(await sendWebhook(app.url, { topic, shop, payload: null, body, webhookId })).toBe(200);
  await drainJobs();
  const [delivery] = await query<{ status: string; last_error: string | null }>(
    "SELECT status::text, last_error FROM webhook_deliveries WHERE id = $1",
    [webhookId],
  );
  return delivery;
}

describe("bodies as Shopify sends them", () => {
  it("app/uninstalled with myshopify_domain, domain and other fields null is processed", async () => {
    const shop = "shapes-uninstalled.myshopify.com";
    const shopId = await installShop(shop);
    // Compact, as Shopify serialises; the shop id above 2^53.
    const body =
      '{"id":548380009000000001,"name":"Super Toys","email":"super@supertoys.com","domain":null,' +
      '"province":"Tennessee","country":"US","address1":"190 MacLaren Street","zip":"37178",' +
      '"city":"Houston","source":null,"phone":"3213213210","latitude":null,"longitude":null,' +
      '"primary_locale":"en","address2":null,"created_at":null,"updated_at":null,' +
      '"country_code":"US","country_name":"United States","currency":"USD",' +
      '"customer_email":"super@supertoys.com","timezone":"(GMT-05:00) Eastern Time (US \\u0026 Canada)",' +
      '"iana_timezone":null,"shop_owner":"John Smith","money_format":"${{amount}}",' +
      '"weight_unit":"kg","province_code":"TN","taxes_included":null,"auto_configure_tax_inclusivity":null,' +
      '"tax_shipping":null,"county_taxes":null,"plan_display_name":"Shopify Plus","plan_name":null,' +
      '"has_discounts":false,"has_gift_cards":true,"myshopify_domain":null,"google_apps_domain":null,' +
      '"google_apps_login_enabled":null,"money_in_emails_format":"${{amount}}",' +
      '"money_with_currency_in_emails_format":"${{amount}} USD","eligible_for_payments":true,' +
      '"requires_extra_payments_agreement":false,"password_enabled":null,"has_storefront":true,' +
      '"finances":true,"primary_location_id":655441491,"checkout_api_supported":true,' +
      '"multi_location_enabled":true,"setup_required":false,"pre_launch_enabled":false,' +
      '"enabled_presentment_currencies":["USD"],"marketing_sms_consent_enabled_at_checkout":false,' +
      '"transactional_sms_disabled":false}';

    expect(await post(shop, "app/uninstalled", body)).toEqual({
      status: "processed",
      last_error: null,
    });
    expect(await query("SELECT state::text AS state FROM shops WHERE id = $1", [shopId])).toEqual([
      { state: "uninstalled" },
    ]);
  });

  it("customers/create, compact with \\/ escaped in its GID and an id above 2^53, keeps the id", async () => {
    const shop = "shapes-customers.myshopify.com";
    const shopId = await installShop(shop);
    const body =
      '{"id":706405506930370084,"email":"bob@example.com","created_at":"2026-11-30T19:00:00-05:00",' +
      '"updated_at":"2026-11-30T19:00:00-05:00","first_name":"Bob","last_name":"Norman",' +
      '"state":"disabled","note":null,"verified_email":true,"multipass_identifier":null,' +
      '"tax_exempt":false,"phone":null,"currency":"USD","addresses":[],"tax_exemptions":[],' +
      '"email_marketing_consent":null,"sms_marketing_consent":null,' +
      '"admin_graphql_api_id":"gid:\\/\\/shopify\\/Customer\\/706405506930370084"}';

    expect(await post(shop, "customers/create", body)).toEqual({
      status: "processed",
      last_error: null,
    });
    expect(
      await query(
        "SELECT shopify_id::text AS id, first_name, state FROM customers WHERE shop_id = $1",
        [shopId],
      ),
    ).toEqual([{ id: "706405506930370084", first_name: "Bob", state: "DISABLED" }]);
  });

  it("orders/delete as the numeric id alone tombstones that exact order", async () => {
    const shop = "shapes-orders.myshopify.com";
    const shopId = await installShop(shop);
    expect(await post(shop, "orders/delete", '{"id":820982911946154508}')).toEqual({
      status: "processed",
      last_error: null,
    });
    expect(
      await query(
        "SELECT shopify_id::text AS id, deleted_at IS NOT NULL AS deleted FROM orders WHERE shop_id = $1",
        [shopId],
      ),
    ).toEqual([{ id: "820982911946154508", deleted: true }]);
  });
});
