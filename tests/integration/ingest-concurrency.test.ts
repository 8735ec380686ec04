/**
 * Ingests of different shops run at once up to a cluster-wide cap (docs/decisions/036): one shop's
 * slow download does not hold another shop's sync, and an ingest that finds every slot taken waits
 * for one, then runs.
 */
import { execFileSync } from "node:child_process";
import { open, readFile, rm } from "node:fs/promises";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { pool } from "../../app/db.server.ts";
import { env } from "../../app/env.server.ts";
import { enqueueJob } from "../../app/lib/queue/enqueue.server.ts";
import {
  releaseIngestSlot,
  takeIngestSlot,
  wakeWaitingIngests,
} from "../../app/lib/sync/ingest-slots.server.ts";
import * as webhooks from "../../app/routes/webhooks.ts";
import { startAppServer, type AppServer } from "../support/app-server.ts";
import { query } from "../support/db.ts";
import { compareWithGroundTruth } from "../support/ground-truth.ts";
import { drainJobs } from "../support/jobs.ts";
import { standIn } from "../support/standin.ts";
import { seedInstalledShop, syncRuns } from "../support/sync.ts";

let app: AppServer;
beforeAll(async () => {
  app = await startAppServer({ "/webhooks": webhooks });
});
afterAll(() => app.close());

/** Seeds a shop and starts a full customers sync, its bulk operation held RUNNING. */
async function heldCustomersRun(shop: string, customers: number) {
  const { domain, shopId } = await seedInstalledShop({ shop, customers, orders: 0 });
  standIn().setBulkMode("manual", domain);
  onTestFinished(() => standIn().setBulkMode("auto", domain));
  await enqueueJob(pool, "sync.start", { shopId, kind: "full", entity: "customers" });
  await drainJobs({ tasks: ["sync.start"] });
  const [run] = await syncRuns(shopId);
  return { domain, shopId, runId: run!.id, bulkOperationId: run!.bulk_operation_id! };
}

/** Lets Shopify finish the run's bulk operation; returns its result file (not yet ingested). */
async function finish(run: Awaited<ReturnType<typeof heldCustomersRun>>) {
  const finished = await standIn().finishBulkOperation(run.domain, run.bulkOperationId);
  return standIn().bulk.filePath(new URL(finished.url!).pathname.split("/").pop()!)!;
}

/** Seeds a shop and finishes a full customers sync's bulk operation; its ingest is not run yet. */
async function finishedCustomersRun(shop: string, customers: number) {
  const run = await heldCustomersRun(shop, customers);
  return { ...run, file: await finish(run) };
}

const statusOf = async (runId: number) =>
  (await query<{ status: string }>("SELECT status::text FROM sync_runs WHERE id = $1", [runId]))[0]!
    .status;

describe("ingests of different shops", () => {
  it("one shop's slow download does not hold another shop's sync", async () => {
    const slow = await finishedCustomersRun("slow-download", 40);
    const quick = await heldCustomersRun("quick-download", 30);
    // The slow shop's result file becomes a pipe: its download gets what the test writes, when.
    const lines = (await readFile(slow.file, "utf8")).split("\n").filter(Boolean);
    await rm(slow.file);
    execFileSync("mkfifo", [slow.file]);
    await standIn().waitForDeliveries();

    const slowDrain = drainJobs();
    const pipe = await open(slow.file, "w"); // opens once the slow shop's download has begun
    await pipe.write(`${lines.slice(0, 10).join("\n")}\n`);
    // Only now does the other shop's bulk operation finish; its ingest runs (in a drain of its
    // own: the first one's other workers have found nothing to do and ended) to its end while
    // the slow download is still open.
    await finish(quick);
    await standIn().waitForDeliveries();
    // (No retries of "failed" jobs here: the slow ingest, locked, counts as one attempt in.)
    await drainJobs({ retryFailures: false });
    expect(await statusOf(quick.runId)).toBe("completed");
    expect(await statusOf(slow.runId)).toBe("running");
    await pipe.write(`${lines.slice(10).join("\n")}\n`);
    await pipe.close();
    await slowDrain;

    expect(await statusOf(slow.runId)).toBe("completed");
    for (const shop of [slow, quick]) {
      const truth = standIn().groundTruth(shop.domain);
      const comparison = await compareWithGroundTruth(pool, shop.domain, {
        customers: truth.customers,
        orders: [],
      });
      expect(comparison.differences).toEqual([]);
    }
  });

  it("with every slot taken, an ingest waits (queued again, nothing read) and runs once a slot is given back", async () => {
    const { domain, shopId, runId } = await finishedCustomersRun("no-free-slot", 12);
    // Something else (other workers' ingests, each on a connection of its own) holds every slot.
    const holders: { client: pg.PoolClient; slot: number }[] = [];
    try {
      for (let i = 0; i < env.SYNC_INGEST_CONCURRENCY; i++) {
        const client = await pool.connect();
        const slot = await takeIngestSlot(client, env.SYNC_INGEST_CONCURRENCY);
        holders.push({ client, slot: slot! });
      }
      expect(holders.map((h) => h.slot)).toEqual([...Array(env.SYNC_INGEST_CONCURRENCY).keys()]);
      await standIn().waitForDeliveries();
      await drainJobs();
      expect(await statusOf(runId)).toBe("running");
      expect(
        await query(
          `SELECT key, attempts, run_at > now() AS later FROM graphile_worker.jobs
           WHERE task_identifier = 'sync.ingest'`,
        ),
      ).toEqual([{ key: `sync-ingest:${runId}`, attempts: 0, later: true }]);
      expect((await syncRuns(shopId))[0]).toMatchObject({ rows_written: 0 });
    } finally {
      for (const { client, slot } of holders) {
        await releaseIngestSlot(client, slot);
        client.release();
      }
    }
    // Whoever gives a slot back wakes the waiting ingests.
    await wakeWaitingIngests(pool);
    await drainJobs();
    expect(await statusOf(runId)).toBe("completed");
    const comparison = await compareWithGroundTruth(pool, domain, {
      customers: standIn().groundTruth(domain).customers,
      orders: [],
    });
    expect(comparison.differences).toEqual([]);
  });
});

describe("ingests of one shop", () => {
  it("a shop's orders are ingested while its customers' download is still open (docs/decisions/062)", async () => {
    const { domain, shopId } = await seedInstalledShop({
      shop: "side-by-side",
      customers: 30,
      orders: 20,
    });
    standIn().setBulkMode("manual", domain);
    onTestFinished(() => standIn().setBulkMode("auto", domain));
    for (const entity of ["customers", "orders"] as const) {
      await enqueueJob(pool, "sync.start", { shopId, kind: "full", entity });
    }
    await drainJobs({ tasks: ["sync.start"] });
    const runs = await syncRuns(shopId);
    const run = (entity: string) => runs.find((r) => r.entity === entity)!;
    const operationOf = async (entity: string) =>
      (
        await query<{ bulk_operation_id: string }>(
          "SELECT bulk_operation_id FROM sync_runs WHERE id = $1",
          [run(entity).id],
        )
      )[0]!.bulk_operation_id;

    // The customers' result file becomes a pipe: their download gets what the test writes, when.
    const customers = await standIn().finishBulkOperation(domain, await operationOf("customers"));
    const file = standIn().bulk.filePath(new URL(customers.url!).pathname.split("/").pop()!)!;
    const lines = (await readFile(file, "utf8")).split("\n").filter(Boolean);
    await rm(file);
    execFileSync("mkfifo", [file]);
    await standIn().waitForDeliveries();
    const customersDrain = drainJobs();
    const pipe = await open(file, "w"); // opens once the customers' download has begun
    await pipe.write(`${lines.slice(0, 10).join("\n")}\n`);

    // The same shop's orders finish now, and are ingested to their end meanwhile.
    await standIn().finishBulkOperation(domain, await operationOf("orders"));
    await standIn().waitForDeliveries();
    await drainJobs({ retryFailures: false });
    expect(await statusOf(run("orders").id)).toBe("completed");
    expect(await statusOf(run("customers").id)).toBe("running");

    await pipe.write(`${lines.slice(10).join("\n")}\n`);
    await pipe.close();
    await customersDrain;
    expect(await statusOf(run("customers").id)).toBe("completed");
    const comparison = await compareWithGroundTruth(pool, domain, standIn().groundTruth(domain));
    expect(comparison.differences).toEqual([]);
  });
});
