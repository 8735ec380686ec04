/**
 * A restarted demo recovers by itself, with no browser: the stand-in is stopped while Recur's full
 * sync waits on two bulk operations, and a new stand-in process takes its place on the same port
 * with the state the old one saved (persist.ts, as `npm run demo` does with --state-file). Recur's
 * stored offline token still works, the interrupted runs end failed (Shopify no longer knows
 * their bulk operations) and their replacements complete; the webhooks of the living store reach
 * Recur again, and Recur ends equal to the store.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pool } from "../../app/db.server.ts";
import { syncThroughput } from "../../app/lib/admin/overview.server.ts";
import { requestSync } from "../../app/lib/sync/request.server.ts";
import * as webhooks from "../../app/routes/webhooks.ts";
import { startShopifyStandIn, type StandIn } from "../shopify-standin/index.ts";
import { readState, writeState } from "../shopify-standin/persist.ts";
import { startAppServer, type AppServer } from "../support/app-server.ts";
import { query } from "../support/db.ts";
import { compareWithGroundTruth } from "../support/ground-truth.ts";
import { drainJobs } from "../support/jobs.ts";
import { appPort, setStandIn, standIn } from "../support/standin.ts";
import { runPollsNow, seedInstalledShop, settleSyncs, syncRuns } from "../support/sync.ts";

const SHOP = { shop: "restarted-demo", customers: 60, orders: 180, history: "lifelike" as const };

let app: AppServer;
let dir: string;
let restarted: StandIn | undefined;

beforeAll(async () => {
  app = await startAppServer({ "/webhooks": webhooks });
  dir = await mkdtemp(path.join(tmpdir(), "recur-demo-restart-"));
});
afterAll(async () => {
  await app.close();
  await restarted?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("a restarted demo", () => {
  it("keeps Recur's token, settles the interrupted sync and carries on, without a browser", async () => {
    const { domain, shopId } = await seedInstalledShop(SHOP);
    const first = standIn();
    // Shopify's exports wait: the stop comes while both bulk operations run.
    first.setBulkMode("manual", domain);
    await requestSync(pool, shopId, "full");
    await drainJobs();
    const interrupted = await syncRuns(shopId);
    expect(interrupted.map((r) => [r.status, r.bulk_operation_id !== null])).toEqual([
      ["running", true],
      ["running", true],
    ]);
    // The store changed before the stop; the restarted store must still have that change.
    const order = first.createOrder(domain, {});
    await first.waitForDeliveries();

    const file = path.join(dir, "shopify-standin.json");
    await writeState(file, first.exportState());
    const url = new URL(first.url);
    await first.close();

    restarted = await startShopifyStandIn({
      port: Number(url.port),
      appUrl: `http://127.0.0.1:${appPort()}`,
      apiKey: process.env.SHOPIFY_API_KEY!,
      apiSecret: process.env.SHOPIFY_API_SECRET!,
      timeScale: 0.001,
    });
    await restarted.seedShop({ ...SHOP, install: false });
    const { restored } = restarted.importState((await readState(file))!);
    expect(restored).toEqual([domain]);
    setStandIn(restarted, appPort());
    expect(restarted.groundTruth(domain).orders.map((o) => o.id)).toContain(order.id);

    // Recur's worker carries on: its polls find the old operations unknown, the runs end failed
    // and their replacements run on the new stand-in with the token Recur already had.
    await runPollsNow();
    await settleSyncs({ poll: true });
    const runs = await syncRuns(shopId);
    // The two runs of one sync start concurrently: their order is not asserted.
    expect(runs.map((r) => `${r.entity} ${r.status} ${r.error_code}`).sort()).toEqual([
      "customers completed null",
      "customers failed UNKNOWN_BULK_OPERATION",
      "orders completed null",
      "orders failed UNKNOWN_BULK_OPERATION",
    ]);
    expect(runs.slice(0, 2).every((r) => r.status === "failed")).toBe(true);

    // The overview's "Sync throughput" shows the replacement runs' true figures. (Before the
    // stand-in stopped reusing bulk operation ids, the interrupted orders run was answered by the
    // restarted stand-in's first export and "completed" across the downtime, with about 0 rows
    // per second, next to the text of the real run: 6,000 rows in 10.9 s.)
    const truth = restarted.groundTruth(domain);
    const throughput = await syncThroughput(pool, shopId);
    expect(throughput.map((t) => [t.entity, t.rows]).sort()).toEqual([
      ["customers", truth.customers.length],
      ["orders", truth.orders.length],
    ]);
    for (const t of throughput) {
      expect(t.seconds).toBeGreaterThan(0);
      expect(Math.abs(t.rowsPerSecond - t.rows / t.seconds)).toBeLessThanOrEqual(0.051);
      expect(runs.find((r) => r.id === t.id)?.status).toBe("completed");
    }
    const [session] = await query<{ n: number }>(
      `SELECT count(*)::int AS n FROM sessions WHERE shop = $1 AND NOT "isOnline"`,
      [domain],
    );
    expect(session!.n).toBe(1);

    // The living store's webhooks are accepted again (the app is still installed).
    const stream = restarted.startLiveStream(domain, { intervalMs: 5, limit: 12 });
    await stream.done;
    await restarted.waitForDeliveries();
    await drainJobs();
    const comparison = await compareWithGroundTruth(pool, domain, restarted.groundTruth(domain));
    expect(comparison.differences).toEqual([]);
  });
});
