/**
 * Webhooks as the Shopify stand-in sends them, with its faults: every delivery repeated under the
 * same webhook id, every event delivered twice under two webhook ids, and deliveries held back so
 * that later ones overtake them. Recur ends equal to the store and every delivery settles.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pool } from "../../app/db.server.ts";
import { requestSync } from "../../app/lib/sync/request.server.ts";
import * as webhooks from "../../app/routes/webhooks.ts";
import { startAppServer, type AppServer } from "../support/app-server.ts";
import { query } from "../support/db.ts";
import { compareWithGroundTruth } from "../support/ground-truth.ts";
import { drainJobs } from "../support/jobs.ts";
import { standIn } from "../support/standin.ts";
import { seedInstalledShop, settleSyncs } from "../support/sync.ts";

let app: AppServer;
beforeAll(async () => {
  app = await startAppServer({ "/webhooks": webhooks });
});
afterAll(() => app.close());

describe("deliveries from the stand-in, duplicated, twinned and reordered", () => {
  it("end with Recur equal to the store; each event processed once, the rest absorbed or ignored", async () => {
    const { domain, shopId } = await seedInstalledShop({
      shop: "faulty-delivery",
      customers: 60,
      orders: 150,
    });
    await requestSync(pool, shopId, "full");
    await settleSyncs();

    standIn().setFaults(domain, {
      duplicateRate: 1,
      duplicateEventRate: 1,
      reorderRate: 0.3,
      reorderDelayMs: 50,
    });
    standIn().burst(domain, 120);
    await standIn().waitForDeliveries();
    standIn().setFaults(domain, {});
    await drainJobs();

    const comparison = await compareWithGroundTruth(pool, domain, standIn().groundTruth(domain));
    expect(comparison.differences).toEqual([]);

    const sent = standIn()
      .deliveries({ shop: domain })
      .filter((d) => d.topic !== "bulk_operations/finish");
    const ids = new Set(sent.map((d) => d.webhookId));
    const events = new Set(sent.map((d) => d.eventId));
    const rows = await query<{ status: string; n: number }>(
      `SELECT status::text, count(*)::int AS n FROM webhook_deliveries
       WHERE shop_domain = $1 AND topic <> 'bulk_operations/finish' GROUP BY 1`,
      [domain],
    );
    const byStatus = Object.fromEntries(rows.map((r) => [r.status, r.n]));
    // One row per webhook id, repeats absorbed; one processed delivery per event; twins ignored.
    expect(Object.values(byStatus).reduce((a, b) => a + b, 0)).toBe(ids.size);
    expect(byStatus.processed).toBe(events.size);
    expect(byStatus.ignored).toBe(ids.size - events.size);
    expect(byStatus.received ?? 0).toBe(0);
    expect(byStatus.processing ?? 0).toBe(0);
  });
});
