/**
 * Found by the chaos run (tests/chaos): a PostgreSQL restart kills worker processes. When the
 * connection that completes a finished job is terminated (a restart terminates every session),
 * graphile-worker 0.18's completeJob rejects, nobody awaits it (worker.js calls `completeJob(job)`
 * and moves on), and Node ends worker.ts on the unhandled rejection with exit code 1. failJob is
 * called the same way and does the same when the connection recording a failed attempt is cut (the
 * chaos run has seen both). The web process survives the same restart; the worker should too
 * (db.server.ts: "log it rather than crash the process").
 *
 * The test terminates exactly that connection: the job's completion (`delete from
 * graphile_worker._private_jobs`) is made to wait on a row lock the test holds, then its backend is
 * terminated the way a restart would (57P01, "terminating connection due to administrator command").
 */
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { pool } from "../../app/db.server.ts";
import { enqueueJob } from "../../app/lib/queue/enqueue.server.ts";
import { installShop, query } from "../support/db.ts";
import { restCustomer } from "../support/payloads.ts";
import { startRecurProcess, waitFor, type RecurProcess } from "../support/processes.ts";

const started: RecurProcess[] = [];

/** A wait that timed out says what the database and the worker were doing. */
function explainWith(worker: RecurProcess) {
  return async (error: Error): Promise<never> => {
    const activity = await query(
      `SELECT pid, state, wait_event_type, wait_event, left(query, 120) AS query
       FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
    );
    const jobs = await query(
      "SELECT id, attempts, locked_at, last_error FROM graphile_worker.jobs",
    );
    error.message +=
      `\nsessions: ${JSON.stringify(activity)}\njobs: ${JSON.stringify(jobs)}` +
      `\nworker output:\n${worker.output().slice(-3000)}`;
    throw error;
  };
}
afterAll(async () => {
  await Promise.all(started.map((worker) => worker.stop("SIGKILL")));
});

describe("a worker whose database connections are terminated (a PostgreSQL restart)", () => {
  it("keeps running when the connection completing a job is terminated", async () => {
    const shopId = await installShop("restart.myshopify.com");
    await query(
      `INSERT INTO customers (shop_id, shopify_id, first_name, shopify_updated_at) VALUES ($1, 51, 'old', '2026-01-01')`,
      [shopId],
    );
    await query(
      `INSERT INTO webhook_deliveries (id, topic, shop_domain, api_version, payload)
       VALUES ('restart-1', 'customers/update', 'restart.myshopify.com', '2026-10', $1)`,
      [JSON.stringify(restCustomer(51, "2026-11-01T00:00:00Z", { first_name: "new" }))],
    );

    // Hold the customer's row, so that the job, once a worker has fetched it, waits in its task.
    const blocker = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await blocker.connect();
    await blocker.query("BEGIN");
    await blocker.query(
      "SELECT 1 FROM customers WHERE shop_id = $1 AND shopify_id = 51 FOR UPDATE",
      [shopId],
    );

    const worker = startRecurProcess("worker.ts", { WORKER_CONCURRENCY: "1" });
    started.push(worker);
    const { id: jobId } = await enqueueJob(
      pool,
      "customers.upsert",
      { deliveryId: "restart-1" },
      { jobKey: "restart-1" },
    );
    await waitFor("the task to wait on the customer's row", async () => {
      const rows = await query(
        // The task locks the row first in its read of whether the customer is live (decision 058),
        // or in the upsert itself: either statement waiting on a lock is the task at the row.
        "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND (query LIKE '%INSERT INTO customers%' OR query LIKE '%FROM customers%FOR NO KEY UPDATE%')",
      );
      return rows.length > 0 ? true : undefined;
    }).catch(explainWith(worker));

    // Now a second session holds the job's own row (graphile-worker's private table: the public
    // view cannot be locked), so that completing the job will wait; then the task may finish.
    const jobLock = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await jobLock.connect();
    await jobLock.query("BEGIN");
    await jobLock.query("SELECT 1 FROM graphile_worker._private_jobs WHERE id = $1 FOR UPDATE", [
      jobId,
    ]);
    await blocker.query("ROLLBACK");
    await blocker.end();

    // The task commits; graphile-worker's completion now waits for the job's row.
    const [completion] = await waitFor("the job's completion to wait on its row", async () => {
      const rows = await query<{ pid: number }>(
        `SELECT pid FROM pg_stat_activity
         WHERE datname = current_database() AND wait_event_type = 'Lock'
           AND query ILIKE 'delete from %_private_jobs%'`,
      );
      return rows.length > 0 ? rows : undefined;
    }).catch(explainWith(worker));
    expect(
      await query("SELECT status::text FROM webhook_deliveries WHERE id = 'restart-1'"),
    ).toEqual([{ status: "processed" }]);

    // What a restart does to that session.
    await query("SELECT pg_terminate_backend($1)", [completion!.pid]);
    await jobLock.query("ROLLBACK");
    await jobLock.end();

    // The worker goes on: it processes the next delivery, and the job whose completion was cut
    // does not stay locked (it completes, or runs again: tasks are idempotent).
    await query(
      `INSERT INTO webhook_deliveries (id, topic, shop_domain, api_version, payload)
       VALUES ('restart-2', 'customers/update', 'restart.myshopify.com', '2026-10', $1)`,
      [JSON.stringify(restCustomer(52, "2026-11-02T00:00:00Z", { first_name: "next" }))],
    );
    await enqueueJob(
      pool,
      "customers.upsert",
      { deliveryId: "restart-2" },
      { jobKey: "restart-2" },
    );
    await waitFor(
      "the worker to process the next delivery and settle the first job",
      async () => {
        if (worker.child.exitCode !== null || worker.child.signalCode !== null) {
          throw new Error(`the worker exited:\n${worker.output().slice(-2000)}`);
        }
        const [next] = await query<{ status: string }>(
          "SELECT status::text FROM webhook_deliveries WHERE id = 'restart-2'",
        );
        const jobs = await query("SELECT 1 FROM graphile_worker.jobs");
        return next?.status === "processed" && jobs.length === 0 ? true : undefined;
      },
      { timeoutMs: 60_000 },
    );
    expect(
      await query("SELECT shopify_id::int, first_name FROM customers ORDER BY shopify_id"),
    ).toEqual([
      { shopify_id: 51, first_name: "new" },
      { shopify_id: 52, first_name: "next" },
    ]);
  });
});
