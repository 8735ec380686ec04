import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { pool } from "../../app/db.server.ts";
import { enqueueJob } from "../../app/lib/queue/enqueue.server.ts";
import { requestSync } from "../../app/lib/sync/request.server.ts";
import { findRun } from "../../app/lib/sync/runs.server.ts";
import { observeBulkOperation } from "../../app/lib/sync/sync.server.ts";
import * as webhooks from "../../app/routes/webhooks.ts";
import { startAppServer, type AppServer } from "../support/app-server.ts";
import { query } from "../support/db.ts";
import { compareWithGroundTruth } from "../support/ground-truth.ts";
import { drainJobs } from "../support/jobs.ts";
import { standIn } from "../support/standin.ts";
import { runPollsNow, seedInstalledShop, settleSyncs, syncRuns } from "../support/sync.ts";

let app: AppServer;
beforeAll(async () => {
  app = await startAppServer({ "/webhooks": webhooks });
});
afterAll(() => app.close());

/** Starts a full sync of one entity and returns its run with Shopify's bulk operation held RUNNING. */
async function startHeldRun(shop: string, shopId: number, entity: "customers" | "orders") {
  standIn().setBulkMode("manual", shop);
  // Later syncs of this shop (reconciliation syncs every installed shop) run on their own again.
  onTestFinished(() => standIn().setBulkMode("auto", shop));
  await enqueueJob(pool, "sync.start", { shopId, kind: "full", entity });
  await drainJobs();
  const run = (await syncRuns(shopId)).find((r) => r.entity === entity && r.status === "running");
  expect(run?.bulk_operation_id).toMatch(/^gid:\/\/shopify\/BulkOperation\/\d+$/);
  return run!;
}

describe("the finish of a bulk operation", () => {
  it("a webhook newer than the snapshot, arriving during the ingest, survives it; an older one loses", async () => {
    const { domain, shopId } = await seedInstalledShop({
      shop: "during-ingest",
      customers: 40,
      orders: 0,
    });
    const run = await startHeldRun(domain, shopId, "customers");
    await standIn().finishBulkOperation(domain, run.bulk_operation_id!);
    await standIn().waitForDeliveries();

    // While the finish waits for its job: one customer changes in Shopify (a newer webhook) ...
    const [first, second] = standIn().groundTruth(domain).customers;
    standIn().updateCustomer(domain, first!.id, { firstName: "Newer-than-the-snapshot" });
    await standIn().waitForDeliveries();
    // ... whose job runs before the ingest writes that customer.
    await drainJobs({ tasks: ["customers.upsert"] });
    await drainJobs();

    // An update older than the snapshot, arriving late, loses against it.
    standIn().sendWebhook(domain, {
      topic: "customers/update",
      payload: {
        id: Number(second!.id),
        admin_graphql_api_id: `gid://shopify/Customer/${second!.id}`,
        first_name: "Older-than-the-snapshot",
        updated_at: "2020-01-01T00:00:00Z",
      },
    });
    await standIn().waitForDeliveries();
    await drainJobs();

    const comparison = await compareWithGroundTruth(pool, domain, standIn().groundTruth(domain));
    expect(comparison.differences).toEqual([]);
    expect(
      await query("SELECT first_name FROM customers WHERE shop_id = $1 AND shopify_id = $2", [
        shopId,
        first!.id,
      ]),
    ).toEqual([{ first_name: "Newer-than-the-snapshot" }]);
    // Every customer was written: the newer one too, for the parts its webhook did not carry
    // (purchasing summary and tags come from the snapshot).
    const [done] = await syncRuns(shopId);
    expect(done).toMatchObject({ status: "completed", rows_written: 40, rows_skipped: 0 });
  });

  it("FAILED with partial data ingests the partial rows and ends failed, saying so", async () => {
    const { domain, shopId } = await seedInstalledShop({
      shop: "partial",
      customers: 30,
      orders: 0,
    });
    const run = await startHeldRun(domain, shopId, "customers");
    const failed = await standIn().failBulkOperation(
      domain,
      run.bulk_operation_id!,
      "INTERNAL_SERVER_ERROR",
      {
        partialObjects: 12,
      },
    );
    const partialFile = await (await fetch(failed.partialDataUrl!)).text();
    const partialRows = partialFile.split("\n").filter(Boolean).length;
    expect(partialRows).toBeGreaterThan(0);
    expect(partialRows).toBeLessThan(30);
    await settleSyncs();
    expect((await syncRuns(shopId))[0]).toMatchObject({
      status: "failed",
      partial: true,
      error_code: "INTERNAL_SERVER_ERROR",
      rows_written: partialRows,
    });
    expect((await syncRuns(shopId))[0]?.error_message).toMatch(/partial data was ingested/);
    expect(
      await query("SELECT count(*)::int AS n FROM customers WHERE shop_id = $1", [shopId]),
    ).toEqual([{ n: partialRows }]);
  });

  it("CANCELED ends the run canceled", async () => {
    const { domain, shopId } = await seedInstalledShop({
      shop: "canceled",
      customers: 10,
      orders: 0,
    });
    const run = await startHeldRun(domain, shopId, "customers");
    standIn().cancelBulkOperation(domain, run.bulk_operation_id!);
    await settleSyncs();
    expect((await syncRuns(shopId))[0]).toMatchObject({ status: "canceled", rows_written: 0 });
  });

  it("COMPLETED with objects counted but no result URL fails the run instead of completing it empty", async () => {
    const { domain, shopId } = await seedInstalledShop({
      shop: "no-url",
      customers: 5,
      orders: 0,
    });
    const held = await startHeldRun(domain, shopId, "customers");
    // Shopify's answer contradicting itself (the stand-in's own bulk runs never answer this way):
    // url null means "matched nothing", yet objects were counted.
    const run = (await findRun(pool, held.id))!;
    const client = await pool.connect();
    try {
      const observation = await observeBulkOperation(client, run, {
        id: held.bulk_operation_id!,
        status: "COMPLETED",
        errorCode: null,
        objectCount: "5",
        url: null,
        partialDataUrl: null,
        createdAt: "2026-11-27T00:00:00Z",
        completedAt: "2026-11-27T00:00:05Z",
      });
      expect(observation).toBe("finished");
    } finally {
      client.release();
    }
    expect((await syncRuns(shopId))[0]).toMatchObject({
      status: "failed",
      error_code: "NO_RESULT_URL",
      rows_written: 0,
    });
  });

  it("a lost finish webhook: the poll finds the run finished and completes it", async () => {
    const { domain, shopId } = await seedInstalledShop({
      shop: "lost-finish",
      customers: 25,
      orders: 60,
    });
    standIn().setFaults(domain, { dropRate: 1 });
    await requestSync(pool, shopId, "full");
    await settleSyncs({ poll: true });
    standIn().setFaults(domain, {});
    expect(
      standIn()
        .deliveries({ shop: domain, topic: "bulk_operations/finish" })
        .map((d) => d.status),
    ).toEqual(["dropped", "dropped"]);
    expect((await syncRuns(shopId)).map((r) => r.status)).toEqual(["completed", "completed"]);
    const comparison = await compareWithGroundTruth(pool, domain, standIn().groundTruth(domain));
    expect(comparison.differences).toEqual([]);
  });

  it("two finishes for one run (a repeated webhook, then a poll) ingest once", async () => {
    const { domain, shopId } = await seedInstalledShop({
      shop: "two-finishes",
      customers: 20,
      orders: 0,
    });
    const run = await startHeldRun(domain, shopId, "customers");
    await standIn().finishBulkOperation(domain, run.bulk_operation_id!);
    await standIn().waitForDeliveries();
    const [finish] = standIn().deliveries({ shop: domain, topic: "bulk_operations/finish" });
    // The same event delivered again under another webhook id, as a second subscription would.
    standIn().sendWebhook(domain, {
      topic: "bulk_operations/finish",
      payload: JSON.parse(finish!.body),
    });
    await standIn().waitForDeliveries();
    await drainJobs();
    await runPollsNow();

    const finishes = await query<{ status: string; last_error: string | null }>(
      `SELECT status::text, last_error FROM webhook_deliveries
       WHERE shop_domain = $1 AND topic = 'bulk_operations/finish'`,
      [domain],
    );
    expect(finishes.map((d) => d.status).sort()).toEqual(["ignored", "processed"]);
    expect(finishes.find((d) => d.status === "ignored")?.last_error).toMatch(
      /already been finished/,
    );
    expect(await syncRuns(shopId)).toMatchObject([
      { status: "completed", rows_written: 20, rows_skipped: 0 },
    ]);
    expect(
      await query(
        "SELECT count(*)::int AS n FROM graphile_worker.jobs WHERE task_identifier = 'sync.ingest'",
      ),
    ).toEqual([{ n: 0 }]);
  });
});

describe("a bulk operation Shopify does not know", () => {
  // Shopify answers `bulkOperation(id:)` with null for an operation it no longer has; a restarted
  // demo's stand-in knows none of the last one's.
  async function expectEndedAtOnce(shopId: number, runId: number, bulkOperationId: string) {
    expect(await findRun(pool, runId)).toMatchObject({ status: "failed" });
    expect((await syncRuns(shopId)).find((r) => r.id === runId)).toMatchObject({
      status: "failed",
      error_code: "UNKNOWN_BULK_OPERATION",
      error_message: expect.stringContaining(`Shopify does not know ${bulkOperationId}`),
    });
    // Nothing failed, so nothing retries (a poll not yet due finds the run ended, and stops).
    expect(
      await query(
        `SELECT task_identifier, attempts, last_error FROM graphile_worker.jobs
         WHERE task_identifier LIKE 'sync.%' AND (attempts > 0 OR last_error IS NOT NULL)`,
      ),
    ).toEqual([]);
  }

  /** A new run took the failed one's place by itself, and completes with the store's rows. */
  async function expectNextSyncCompletes(domain: string, shopId: number, failedRunId: number) {
    standIn().setBulkMode("auto", domain);
    await settleSyncs({ poll: true });
    const runs = await syncRuns(shopId);
    expect(runs.map((r) => [r.id === failedRunId ? "failed run" : "new run", r.status])).toEqual([
      ["failed run", "failed"],
      ["new run", "completed"],
    ]);
    const comparison = await compareWithGroundTruth(pool, domain, standIn().groundTruth(domain));
    expect(comparison.differences).toEqual([]);
  }

  it("seen by a poll: the run ends failed at once with the reason, and a new sync starts by itself", async () => {
    const { domain, shopId } = await seedInstalledShop({
      shop: "unknown-polled",
      customers: 15,
      orders: 0,
    });
    const run = await startHeldRun(domain, shopId, "customers");
    await standIn().forgetBulkOperation(domain, run.bulk_operation_id!);

    // The poll's time comes; it runs once, without retries.
    await query(
      `SELECT graphile_worker.reschedule_jobs(array_agg(id), run_at := now() - interval '1 second')
       FROM graphile_worker.jobs WHERE task_identifier = 'sync.poll'`,
    );
    await drainJobs({ retryFailures: false });
    await expectEndedAtOnce(shopId, run.id, run.bulk_operation_id!);
    await expectNextSyncCompletes(domain, shopId, run.id);
  });

  it("seen by the ingest after the finish webhook: the run ends failed at once, and a new sync starts", async () => {
    const { domain, shopId } = await seedInstalledShop({
      shop: "unknown-ingested",
      customers: 15,
      orders: 0,
    });
    const run = await startHeldRun(domain, shopId, "customers");
    await standIn().finishBulkOperation(domain, run.bulk_operation_id!);
    await standIn().waitForDeliveries();
    await drainJobs({ tasks: ["bulk-operations.finish"] });
    expect(await findRun(pool, run.id)).toMatchObject({
      status: "running",
      ingestQueuedAt: expect.any(Date),
    });
    await standIn().forgetBulkOperation(domain, run.bulk_operation_id!);

    await drainJobs({ retryFailures: false });
    await expectEndedAtOnce(shopId, run.id, run.bulk_operation_id!);
    await expectNextSyncCompletes(domain, shopId, run.id);
  });
});

describe("reconciliation", () => {
  it("repairs what dropped webhooks left behind, deletions included, and counts the repairs", async () => {
    const { domain, shopId } = await seedInstalledShop({
      shop: "reconcile",
      customers: 150,
      orders: 400,
    });
    await requestSync(pool, shopId, "full");
    await settleSyncs();

    standIn().setFaults(domain, { dropRate: 0.05 });
    standIn().burst(domain, 300);
    await standIn().waitForDeliveries();
    standIn().setFaults(domain, {});
    await drainJobs();
    const dropped = standIn()
      .deliveries({ shop: domain })
      .filter((d) => d.status === "dropped");
    expect(dropped.length).toBeGreaterThan(0);
    const before = await compareWithGroundTruth(pool, domain, standIn().groundTruth(domain), 1000);
    expect(before.equal).toBe(false);

    await enqueueJob(pool, "reconcile", {});
    await settleSyncs();
    const after = await compareWithGroundTruth(pool, domain, standIn().groundTruth(domain));
    expect(after.differences).toEqual([]);

    const repairs = await query<{ repaired: number }>(
      `SELECT coalesce(sum(rows_written), 0)::int AS repaired FROM sync_runs
       WHERE shop_id = $1 AND id > 2 AND status = 'completed'`,
      [shopId],
    );
    // Every row that differed was written at least once by the reconciliation's runs.
    expect(repairs[0]!.repaired).toBeGreaterThanOrEqual(before.differences.length);
  });
});
