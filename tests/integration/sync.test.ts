import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pool } from "../../app/db.server.ts";
import { requestSync } from "../../app/lib/sync/request.server.ts";
import * as webhooks from "../../app/routes/webhooks.ts";
import { startAppServer, type AppServer } from "../support/app-server.ts";
import { compareWithGroundTruth } from "../support/ground-truth.ts";
import { drainJobs } from "../support/jobs.ts";
import { entries, referenceOfLastRun, rfmRows } from "../support/rfm.ts";
import { standIn } from "../support/standin.ts";
import { seedInstalledShop, settleSyncs, syncRuns } from "../support/sync.ts";

let app: AppServer;
beforeAll(async () => {
  app = await startAppServer({ "/webhooks": webhooks });
});
afterAll(() => app.close());

describe("a full sync", () => {
  it("ends with Recur's tables equal to the store, line items included", async () => {
    const { domain, shopId } = await seedInstalledShop({
      shop: "full-sync",
      customers: 300,
      orders: 900,
    });
    await requestSync(pool, shopId, "full");
    await settleSyncs();

    const runs = await syncRuns(shopId);
    // The two entities' runs start concurrently: compare them in entity order, not id order.
    expect(runs.map((run) => [run.entity, run.kind, run.status]).sort()).toEqual([
      ["customers", "full", "completed"],
      ["orders", "full", "completed"],
    ]);
    const comparison = await compareWithGroundTruth(pool, domain, standIn().groundTruth(domain));
    expect(comparison.differences).toEqual([]);
    expect(comparison.counts.customers).toBe(300);
    expect(comparison.counts.orders).toBe(900);
    expect(runs.find((run) => run.entity === "customers")?.rows_written).toBe(300);

    // The completed full sync queued a full RFM scoring: every customer's row is the rule set
    // applied to the stored orders (refunds, cancellations, test orders and guests included).
    await drainJobs();
    const scores = await rfmRows(shopId);
    expect(scores.size).toBe(300);
    expect(entries(scores)).toEqual(entries(await referenceOfLastRun(shopId)));
    expect(new Set([...scores.values()].map((row) => row.segment)).size).toBeGreaterThan(3);

    // A second full sync of the unchanged shop writes nothing and skips everything.
    await requestSync(pool, shopId, "full");
    await settleSyncs();
    const second = (await syncRuns(shopId)).slice(2);
    expect(second.map((run) => [run.entity, run.status, run.rows_written]).sort()).toEqual([
      ["customers", "completed", 0],
      ["orders", "completed", 0],
    ]);
    expect(second.find((run) => run.entity === "customers")?.rows_skipped).toBe(300);
    expect(second.find((run) => run.entity === "orders")?.rows_skipped).toBe(900);
  });
});
