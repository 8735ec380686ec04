/**
 * Webhooks as the Shopify stand-in sends them, with its faults: every delivery repeated under the
 * same webhook id, every event delivered twice under two webhook ids, and deliveries held back so
 * that later ones overtake them. Recur ends equal to the store and every delivery settles: an event's
 * delivery is processed once (its twin ignored), or skipped when it came after a newer version.
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
  it("end with Recur equal to the store; each event processed once or skipped as stale, twins ignored", async () => {
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
    const rows = await query<{ event_id: string; status: string; last_error: string | null }>(
      `SELECT event_id, status::text, last_error FROM webhook_deliveries
       WHERE shop_domain = $1 AND topic <> 'bulk_operations/finish'`,
      [domain],
    );
    // One row per webhook id, repeats absorbed, every one settled.
    expect(rows.length).toBe(ids.size);
    expect(rows.filter((row) => !["processed", "skipped", "ignored"].includes(row.status))).toEqual(
      [],
    );
    // Per event: at most one delivery processed; twins of a processed one ignored, naming it; a
    // delivery older than what was stored by then skipped (both twins, when both came late).
    const byEvent = Map.groupBy(rows, (row) => row.event_id);
    expect(byEvent.size).toBe(events.size);
    for (const [event, deliveries] of byEvent) {
      const statuses = deliveries.map((d) => d.status);
      expect(statuses.filter((s) => s === "processed").length, event).toBeLessThanOrEqual(1);
      expect(
        statuses.some((s) => s === "processed" || s === "skipped"),
        event,
      ).toBe(true);
      if (statuses.includes("ignored")) expect(statuses, event).toContain("processed");
      for (const d of deliveries.filter((d) => d.status === "skipped")) {
        expect(d.last_error).toBe("older than stored");
      }
    }
  });
});
