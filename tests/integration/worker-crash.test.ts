import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { pool } from "../../app/db.server.ts";
import { enqueueJob } from "../../app/lib/queue/enqueue.server.ts";
import { installShop, query } from "../support/db.ts";
import { restCustomer } from "../support/payloads.ts";
import { startRecurProcess, waitFor, type RecurProcess } from "../support/processes.ts";

const started: RecurProcess[] = [];
afterAll(async () => {
  await Promise.all(started.map((worker) => worker.stop("SIGKILL")));
});

const STALE_AFTER_SECONDS = 3;

describe("a worker killed in the middle of a job", () => {
  it("leaves the job locked; the sweeper unlocks it once the heartbeat is stale, and it completes", async () => {
    const shopId = await installShop("crash.myshopify.com");
    await query(
      `INSERT INTO customers (shop_id, shopify_id, first_name, shopify_updated_at) VALUES ($1, 41, 'old', '2026-01-01')`,
      [shopId],
    );
    await query(
      `INSERT INTO webhook_deliveries (id, topic, shop_domain, api_version, payload)
       VALUES ('crash-1', 'customers/update', 'crash.myshopify.com', '2026-10', $1)`,
      [JSON.stringify(restCustomer(41, "2026-11-01T00:00:00Z", { first_name: "new" }))],
    );

    // Hold the customer's row so that the job blocks inside its transaction.
    const blocker = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await blocker.connect();
    await blocker.query("BEGIN");
    await blocker.query(
      "SELECT 1 FROM customers WHERE shop_id = $1 AND shopify_id = 41 FOR UPDATE",
      [shopId],
    );

    const env = {
      WORKER_STALE_AFTER_SECONDS: String(STALE_AFTER_SECONDS),
      WORKER_CONCURRENCY: "2",
    };
    const first = startRecurProcess("worker.ts", env);
    started.push(first);
    await enqueueJob(pool, "customers.upsert", { deliveryId: "crash-1" }, { jobKey: "crash-1" });

    // The job is locked by the first worker and its upsert is waiting for our row lock.
    await waitFor("the job to block on the row lock", async () => {
      const rows = await query(
        // Its locked read of whether the customer is live (decision 058) or its upsert.
        "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND (query LIKE '%INSERT INTO customers%' OR query LIKE '%FROM customers%FOR NO KEY UPDATE%')",
      );
      return rows.length > 0 ? true : undefined;
    });
    const [locked] = await query<{ locked_by: string }>(
      "SELECT locked_by FROM graphile_worker.jobs WHERE key = 'crash-1'",
    );
    expect(locked?.locked_by).toBeTruthy();

    expect(await first.stop("SIGKILL")).toBe("SIGKILL");
    await blocker.query("ROLLBACK");
    await blocker.end();
    expect(
      await query(
        "SELECT locked_at IS NOT NULL AS locked FROM graphile_worker.jobs WHERE key = 'crash-1'",
      ),
    ).toEqual([{ locked: true }]);

    // A second worker runs the sweeper until the dead worker's heartbeat is stale and its job runs.
    const second = startRecurProcess("worker.ts", env);
    started.push(second);
    await waitFor(
      "the job to complete after recovery (processed, and its job deleted)",
      async () => {
        const [delivery] = await query<{ status: string }>(
          "SELECT status::text FROM webhook_deliveries WHERE id = 'crash-1'",
        );
        // The task commits the delivery's status; graphile-worker deletes the job just after.
        const job = await query("SELECT 1 FROM graphile_worker.jobs WHERE key = 'crash-1'");
        if (delivery?.status === "processed" && job.length === 0) return true;
        await enqueueJob(pool, "sweeper", {}, { jobKey: "test-sweeper" });
        return undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    expect(
      await query("SELECT first_name FROM customers WHERE shop_id = $1 AND shopify_id = 41", [
        shopId,
      ]),
    ).toEqual([{ first_name: "new" }]);
    expect(await query("SELECT 1 FROM graphile_worker.jobs WHERE key = 'crash-1'")).toEqual([]);
    // The killed attempt rolled back with its connection: only the attempt that ended is counted.
    expect(await query("SELECT attempts FROM webhook_deliveries WHERE id = 'crash-1'")).toEqual([
      { attempts: 1 },
    ]);
    expect(
      await query("SELECT worker_id FROM worker_heartbeats WHERE worker_id = $1", [
        locked!.locked_by,
      ]),
    ).toEqual([]);

    expect(await second.stop("SIGTERM")).toBe(0);
  });
});
