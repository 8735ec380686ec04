// Nightly RFM scoring on each shop's own midnight (docs/decisions/030), the daily segment sizes a
// full run leaves for the Segments page's chart (docs/decisions/029), and the shop settings
// (time zone, currency) Recur reads from Shopify (the stand-in) to know that midnight.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pool } from "../../app/db.server.ts";
import { cronItems } from "../../app/jobs/crontab.server.ts";
import { enqueueJob } from "../../app/lib/queue/enqueue.server.ts";
import { segmentSizes } from "../../app/lib/admin/segments.server.ts";
import { shopsDueForNightlyScoring } from "../../app/lib/rfm/nightly.server.ts";
import { enqueueShopSettings } from "../../app/lib/db/shops.server.ts";
import * as webhooks from "../../app/routes/webhooks.ts";
import { startAppServer, type AppServer } from "../support/app-server.ts";
import { installShop, query } from "../support/db.ts";
import { drainJobs, jobs } from "../support/jobs.ts";
import type { ReferenceOrder } from "../support/rfm-reference.ts";
import { seedRfmShop, scoreShopAt } from "../support/rfm.ts";
import { seedInstalledShop } from "../support/sync.ts";

const LAST_RUN = new Date("2026-12-01T10:00:00Z");

function paid(customerId: string, placedAt: Date, amount: string): ReferenceOrder {
  return {
    customerId,
    processedAt: placedAt,
    createdAt: placedAt,
    cancelledAt: null,
    test: false,
    financialStatus: "PAID",
    currentTotalPrice: amount,
    deleted: false,
  };
}

/** A small shop: 25 customers, customer i with i orders, the last i days before `at`. */
async function smallShop(at: Date) {
  const customers = Array.from({ length: 25 }, (_, i) => ({ id: String(i + 1), live: true }));
  const orders = customers.flatMap((c, i) =>
    Array.from({ length: i + 1 }, (_, k) =>
      paid(c.id, new Date(at.getTime() - (i + k + 1) * 86_400_000), `${(i + 1) * 10}.00`),
    ),
  );
  return (await seedRfmShop(customers, orders)).shopId;
}

async function setZone(shopId: number, zone: string | null) {
  await query("UPDATE shops SET iana_timezone = $2 WHERE id = $1", [shopId, zone]);
}

let app: AppServer;
beforeAll(async () => {
  app = await startAppServer({ "/webhooks": webhooks });
});
afterAll(() => app?.close());

describe("nightly RFM scoring", () => {
  it("picks each shop in the first hour after its own midnight, once per midnight", async () => {
    const zones = {
      tokyo: "Asia/Tokyo", // UTC+9: midnight of Dec 2 is Dec 1, 15:00 UTC
      kolkata: "Asia/Kolkata", // UTC+5:30: Dec 1, 18:30 UTC
      utc: "UTC", // Dec 2, 00:00 UTC
      unknown: "Mars/Olympus_Mons", // not a zone PostgreSQL knows: UTC
      unset: null, // never read from Shopify: UTC
      losAngeles: "America/Los_Angeles", // UTC-8 in December: Dec 2, 08:00 UTC
    };
    const ids: Record<string, number> = {};
    for (const [name, zone] of Object.entries(zones)) {
      ids[name] = await smallShop(LAST_RUN);
      await setZone(ids[name]!, zone);
      await scoreShopAt(ids[name]!, LAST_RUN);
    }
    // Never scored (no full sync finished): left to its first sync. Uninstalled: left alone.
    const neverScored = await smallShop(LAST_RUN);
    const uninstalled = await smallShop(LAST_RUN);
    await scoreShopAt(uninstalled, LAST_RUN);
    await query("UPDATE shops SET state = 'uninstalled' WHERE id = $1", [uninstalled]);
    const names = new Map(Object.entries(ids).map(([name, id]) => [id, name]));

    const due = async (at: string) =>
      (await shopsDueForNightlyScoring(pool, new Date(at)))
        .filter((id) => names.has(id) || id === neverScored || id === uninstalled)
        .map((id) => names.get(id) ?? String(id))
        .sort();
    // Same local day as the last run everywhere.
    expect(await due("2026-12-01T14:00:00Z")).toEqual([]);
    expect(await due("2026-12-01T15:00:00Z")).toEqual(["tokyo"]);
    expect(await due("2026-12-01T18:00:00Z")).toEqual(["tokyo"]);
    expect(await due("2026-12-01T19:00:00Z")).toEqual(["kolkata", "tokyo"]);
    expect(await due("2026-12-02T00:00:00Z")).toEqual(
      ["kolkata", "tokyo", "unknown", "unset", "utc"].sort(),
    );
    expect(await due("2026-12-02T07:00:00Z")).toEqual(
      ["kolkata", "tokyo", "unknown", "unset", "utc"].sort(),
    );
    expect(await due("2026-12-02T08:00:00Z")).toEqual(
      ["kolkata", "losAngeles", "tokyo", "unknown", "unset", "utc"].sort(),
    );
    // Tokyo scored after its midnight is not due again until the next one.
    await scoreShopAt(ids.tokyo!, new Date("2026-12-01T15:05:00Z"));
    expect(await due("2026-12-02T08:00:00Z")).not.toContain("tokyo");
    expect(await due("2026-12-02T15:00:00Z")).toContain("tokyo");
  });

  it("runs hourly from the worker's crontab, and its job queues and runs the due shops' scorings", async () => {
    const item = cronItems.find((cron) => cron.task === "rfm.nightly");
    expect(item).toBeDefined();
    // At minute 0 of every hour of every day, and at no other minute.
    const at = (hour: number, min: number) => item!.match({ min, hour, date: 7, month: 3, dow: 2 });
    expect(Array.from({ length: 24 }, (_, hour) => at(hour, 0))).toEqual(Array(24).fill(true));
    expect([at(0, 1), at(12, 30), at(23, 59)]).toEqual([false, false, false]);

    const now = new Date();
    const shopId = await smallShop(now);
    await setZone(shopId, "UTC");
    // Scored two days ago: a midnight has passed since, in every zone.
    await scoreShopAt(shopId, new Date(now.getTime() - 2 * 86_400_000));
    const runsBefore = await query<{ n: number }>(
      "SELECT count(*)::int AS n FROM rfm_runs WHERE shop_id = $1",
      [shopId],
    );
    await enqueueJob(pool, "rfm.nightly", { _cron: { ts: now.toISOString() } });
    await drainJobs({ tasks: ["rfm.nightly"] });
    expect((await jobs()).map((job) => job.key)).toContain(`rfm-score-shop:${shopId}`);
    await drainJobs();
    const runs = await query<{ as_of: Date }>(
      "SELECT as_of FROM rfm_runs WHERE shop_id = $1 ORDER BY id",
      [shopId],
    );
    expect(runs).toHaveLength(runsBefore[0]!.n + 1);
    // The same hour again: the new run is after the midnight, nothing is queued.
    await enqueueJob(pool, "rfm.nightly", { _cron: { ts: now.toISOString() } });
    await drainJobs({ tasks: ["rfm.nightly"] });
    expect((await jobs()).map((job) => job.key)).not.toContain(`rfm-score-shop:${shopId}`);
  });
});

describe("daily segment sizes", () => {
  it("records every segment's customers on the shop's own day of the run, empty ones as 0", async () => {
    const shopId = await smallShop(LAST_RUN);
    await setZone(shopId, "Asia/Tokyo");
    // 20:00 UTC on Dec 1 is Dec 2 in Tokyo.
    await scoreShopAt(shopId, new Date("2026-12-01T20:00:00Z"));
    const sizes = await query<{ day: string; segment: string; customers: number }>(
      `SELECT to_char(day, 'YYYY-MM-DD') AS day, segment, customers FROM rfm_segment_sizes
       WHERE shop_id = $1 ORDER BY segment`,
      [shopId],
    );
    expect(sizes).toHaveLength(11);
    expect(new Set(sizes.map((row) => row.day))).toEqual(new Set(["2026-12-02"]));
    const actual = await query<{ segment: string; customers: number }>(
      "SELECT segment, count(*)::int AS customers FROM customer_rfm WHERE shop_id = $1 GROUP BY segment",
      [shopId],
    );
    const expected = new Map(actual.map((row) => [row.segment, row.customers]));
    for (const row of sizes)
      expect(row.customers, row.segment).toBe(expected.get(row.segment) ?? 0);
    expect(sizes.reduce((sum, row) => sum + row.customers, 0)).toBe(25);

    // A later run the same day replaces the day's figures; an earlier as_of does not.
    await query("DELETE FROM customers WHERE shop_id = $1 AND shopify_id = 25", [shopId]);
    await scoreShopAt(shopId, new Date("2026-12-01T21:00:00Z"));
    await scoreShopAt(shopId, new Date("2026-12-01T19:00:00Z"));
    const [total] = await query<{ n: number; as_of: Date }>(
      `SELECT sum(customers)::int AS n, max(as_of) AS as_of FROM rfm_segment_sizes
       WHERE shop_id = $1 AND day = '2026-12-02'`,
      [shopId],
    );
    expect(total!.n).toBe(24);
    expect(total!.as_of).toEqual(new Date("2026-12-01T21:00:00Z"));
  });

  it("charts the last 90 days, carrying a day's figures over days without a run", async () => {
    const shopId = await smallShop(new Date());
    const day = (daysAgo: number) => new Date(Date.now() - daysAgo * 86_400_000);
    await scoreShopAt(shopId, day(120)); // before the window: its figures open the window
    await scoreShopAt(shopId, day(3));
    const chart = await segmentSizes(pool, shopId);
    expect(chart.days).toHaveLength(90);
    expect(chart.days.at(-1)).toBe(new Date().toISOString().slice(0, 10));
    const totals = chart.days.map((_, i) =>
      chart.series.reduce((sum, line) => sum + (line.customers[i] ?? 0), 0),
    );
    // Every day of the window has the 25 customers, from the run 120 days ago or 3 days ago.
    expect(new Set(totals)).toEqual(new Set([25]));
    const [run] = await query<{ segment: string; customers: number }>(
      `SELECT segment, customers FROM rfm_segment_sizes WHERE shop_id = $1 AND customers > 0
       ORDER BY day DESC, segment LIMIT 1`,
      [shopId],
    );
    const line = chart.series.find((s) => s.segment === run!.segment)!;
    expect(line.customers.slice(-3)).toEqual([run!.customers, run!.customers, run!.customers]);

    // A shop without figures: every day null, no lines. Another shop's figures are not shown.
    const empty = await installShop(`rfm-no-sizes-${process.pid}.myshopify.com`);
    expect((await segmentSizes(pool, empty)).series).toEqual([]);
  });
});

describe("the shop's settings from Shopify", () => {
  it("stores the shop's time zone and currency as Shopify's shop query gives them", async () => {
    const { shopId } = await seedInstalledShop({
      shop: "settings-shop",
      customers: 1,
      orders: 0,
      currencyCode: "JPY",
    });
    await enqueueShopSettings(pool, shopId);
    await drainJobs();
    const [shop] = await query<{ iana_timezone: string | null; currency_code: string | null }>(
      "SELECT iana_timezone, currency_code FROM shops WHERE id = $1",
      [shopId],
    );
    // The stand-in's shops are in UTC.
    expect(shop).toEqual({ iana_timezone: "UTC", currency_code: "JPY" });
  });
});
