import { describe, expect, it } from "vitest";
import { abstractFetch, setAbstractFetchFunc } from "@shopify/shopify-api/runtime";
import { adminApiFor } from "../../app/lib/shopify/admin-api.server.ts";
import { STORE_COUNTS, type StoreCounts } from "../../app/lib/shopify/graphql-operations.ts";
import { startSyncRun } from "../../app/lib/sync/sync.server.ts";
import { query } from "../support/db.ts";
import { standIn } from "../support/standin.ts";
import { seedInstalledShop, syncRuns } from "../support/sync.ts";

describe("the Admin API client", () => {
  it("waits out Shopify's THROTTLED answers, as the cost figures say, and gets its answer", async () => {
    const { domain } = await seedInstalledShop({ shop: "throttled", customers: 5, orders: 5 });

    // Watch Shopify's answers pass by (the library's fetch, wrapped, not replaced). The library's
    // client keeps the fetch it was made with, so the client is made after this.
    let throttled = 0;
    let cost = 0;
    const shopifyFetch = abstractFetch;
    setAbstractFetchFunc(async (...args: Parameters<typeof fetch>) => {
      const response = await shopifyFetch(...args);
      const body = await response.clone().text();
      if (body.includes('"THROTTLED"')) throttled += 1;
      cost = Math.max(
        cost,
        (JSON.parse(body) as { extensions?: { cost?: { requestedQueryCost?: number } } }).extensions
          ?.cost?.requestedQueryCost ?? 0,
      );
      return response;
    });
    try {
      const api = await adminApiFor(domain);
      await api.request<StoreCounts>(STORE_COUNTS);
      expect(cost).toBeGreaterThan(0);
      // A bucket that holds one such call and takes four seconds to refill: the next must wait.
      standIn().setThrottle(domain, { maximumAvailable: cost, restoreRate: cost / 4 });
      const answers = [];
      for (let i = 0; i < 2; i++) answers.push(await api.request<StoreCounts>(STORE_COUNTS));
      expect(answers.map((a) => a.customersCount.count)).toEqual([5, 5]);
    } finally {
      setAbstractFetchFunc(shopifyFetch);
    }
    expect(throttled).toBeGreaterThan(0);
  });
});

describe("starting a sync", () => {
  it("does nothing for an uninstalled shop", async () => {
    const { shopId } = await seedInstalledShop({ shop: "gone", customers: 3, orders: 3 });
    await query("UPDATE shops SET state = 'uninstalled', uninstalled_at = now() WHERE id = $1", [
      shopId,
    ]);
    expect(await startSyncRun(shopId, "full", "customers")).toEqual({
      outcome: "skipped",
      reason: "the shop is not installed",
    });
    expect(await syncRuns(shopId)).toEqual([]);
  });

  it("does not start a second run of a shop and entity while one runs", async () => {
    const { shopId } = await seedInstalledShop({ shop: "once", customers: 3, orders: 3 });
    standIn().setBulkMode("manual", "once");
    const first = await startSyncRun(shopId, "full", "orders");
    expect(first.outcome).toBe("started");
    expect(await startSyncRun(shopId, "full", "orders")).toEqual({
      outcome: "skipped",
      reason: "a orders sync is already running",
    });
    expect((await syncRuns(shopId)).map((run) => run.status)).toEqual(["running"]);
    standIn().setBulkMode("auto", "once");
  });

  it("ends the run failed with Shopify's userErrors (five runs in progress)", async () => {
    const { domain, shopId } = await seedInstalledShop({ shop: "busy", customers: 3, orders: 3 });
    standIn().setBulkMode("manual", domain);
    // Five bulk queries already running in this shop (API 2026-01 and later allow five).
    for (let i = 0; i < 5; i++) {
      await query("DELETE FROM sync_runs WHERE shop_id = $1", [shopId]);
      expect((await startSyncRun(shopId, "full", "customers")).outcome).toBe("started");
    }
    await query("DELETE FROM sync_runs WHERE shop_id = $1", [shopId]);
    const sixth = await startSyncRun(shopId, "full", "customers");
    expect(sixth).toMatchObject({ outcome: "failed" });
    expect((await syncRuns(shopId))[0]).toMatchObject({
      status: "failed",
      error_code: "LIMIT_REACHED",
    });
    standIn().setBulkMode("auto", domain);
  });
});
