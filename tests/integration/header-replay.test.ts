/**
 * Shopify's HMAC covers the body, not the headers: a genuine body can be replayed under other
 * headers. A replay may not date a tombstone in the future, nor uninstall a shop its body does not
 * name.
 */
import { describe, expect, it } from "vitest";
import { pool } from "../../app/db.server.ts";
import { requestSync } from "../../app/lib/sync/request.server.ts";
import { installShop, query } from "../support/db.ts";
import { drainJobs, jobs } from "../support/jobs.ts";
import { restCustomer } from "../support/payloads.ts";
import { sendWebhook, type WebhookInput } from "../support/webhooks.ts";
import { useWebhookApp } from "../support/webhook-app.ts";

const app = useWebhookApp();

async function deliver(input: WebhookInput) {
  expect(await sendWebhook(app.url, input)).toBe(200);
  await drainJobs();
}

describe("replayed headers", () => {
  it("an X-Shopify-Triggered-At far in the future counts as 5 minutes after the receipt", async () => {
    const shop = "replay-future.myshopify.com";
    const shopId = await installShop(shop);
    const webhookId = crypto.randomUUID();
    await deliver({
      topic: "customers/delete",
      shop,
      payload: { id: 31, admin_graphql_api_id: "gid://shopify/Customer/31" },
      webhookId,
      triggeredAt: "2099-01-01T00:00:00.000Z",
    });
    const [delivery] = await query<{ same: boolean }>(
      "SELECT triggered_at = received_at + interval '5 minutes' AS same FROM webhook_deliveries WHERE id = $1",
      [webhookId],
    );
    expect(delivery).toEqual({ same: true });

    // A version newer than that brings the customer back (the 2099 tombstone would not have).
    const later = new Date(Date.now() + 10 * 60_000).toISOString();
    await deliver({ topic: "customers/update", shop, payload: restCustomer(31, later) });
    expect(
      await query(
        "SELECT deleted_at IS NULL AS live FROM customers WHERE shop_id = $1 AND shopify_id = 31",
        [shopId],
      ),
    ).toEqual([{ live: true }]);
  });

  it("an app/uninstalled body naming another shop is refused with the reason", async () => {
    const shop = "replay-target.myshopify.com";
    const shopId = await installShop(shop);
    const webhookId = crypto.randomUUID();
    await deliver({
      topic: "app/uninstalled",
      shop,
      payload: { id: 5, myshopify_domain: "replay-source.myshopify.com", domain: null },
      webhookId,
    });
    expect(
      await query("SELECT status::text, last_error FROM webhook_deliveries WHERE id = $1", [
        webhookId,
      ]),
    ).toEqual([
      {
        status: "ignored",
        last_error:
          "The payload names replay-source.myshopify.com, not replay-target.myshopify.com",
      },
    ]);
    expect(await query("SELECT state::text AS state FROM shops WHERE id = $1", [shopId])).toEqual([
      { state: "installed" },
    ]);
  });

  it("a webhook id that is another job's key does not replace that job", async () => {
    const shop = "replay-job-key.myshopify.com";
    const shopId = await installShop(shop);
    await requestSync(pool, shopId, "full");
    const syncKey = `sync-start:${shopId}:customers`;
    expect((await jobs()).filter((job) => job.key === syncKey)).toMatchObject([
      { task_identifier: "sync.start" },
    ]);

    expect(
      await sendWebhook(app.url, {
        topic: "customers/update",
        shop,
        payload: restCustomer(41, new Date().toISOString()),
        webhookId: syncKey,
      }),
    ).toBe(200);
    const queued = (await jobs()).filter((job) => job.key?.endsWith(syncKey));
    expect(queued.map((job) => [job.key, job.task_identifier]).sort()).toEqual([
      [`delivery:${syncKey}`, "customers.upsert"],
      [syncKey, "sync.start"],
    ]);
    // The sync's jobs would talk to a Shopify that does not know this shop: they are removed
    // (graphile-worker's public complete_jobs), and the delivery's job runs.
    await query(
      `SELECT graphile_worker.complete_jobs(ARRAY(
         SELECT id FROM graphile_worker.jobs WHERE task_identifier = 'sync.start' AND key LIKE $1))`,
      [`sync-start:${shopId}:%`],
    );
    await drainJobs();
  });
});
