import path from "node:path";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { pool } from "../../app/db.server.ts";
import { enqueueJob } from "../../app/lib/queue/enqueue.server.ts";
import { HealthCheck, type QueueFigures } from "../../app/lib/health.server.ts";
import { PROJECT_ROOT, startEmbeddedPostgres } from "../../scripts/lib/embedded-postgres.ts";
import { freePort } from "../../scripts/lib/ports.ts";
import { query } from "../support/db.ts";
import { waitFor } from "../support/processes.ts";

const AGGREGATE = "%permanently_failed%";

/** Backends other than this test's own running the queue's aggregate right now. */
async function runningAggregates(): Promise<number> {
  const rows = await query(
    "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND query LIKE $1 AND query NOT LIKE '%pg_stat_activity%'",
    [AGGREGATE],
  );
  return rows.length;
}

describe("GET /healthz", () => {
  it("answers 200 with the database and the queue's figures", async () => {
    const { loader } = await import("../../app/routes/healthz.ts");
    const response = await loader();
    expect(response.status).toBe(200);
    expect(response.headers.get("Cache-Control")).toBe("no-store");
    expect(await response.json()).toEqual({
      status: "ok",
      database: "ok",
      queue: {
        ready: 0,
        running: 0,
        retrying: 0,
        permanentlyFailed: 0,
        oldestReadySeconds: null,
        measuredAt: expect.any(String),
      },
    });
  });

  it("computes the queue's figures at most once per interval, however often it is called", async () => {
    const health = new HealthCheck(pool, { queueFiguresEveryMs: 60_000 });
    const first = await health.check();
    expect(first).toMatchObject({ status: "ok", queue: { ready: 0 } });
    const measuredAt = (first as { queue: QueueFigures }).queue.measuredAt;

    await enqueueJob(pool, "sweeper", {}, { jobKey: "healthz-figures" });
    const calls = await Promise.all(Array.from({ length: 50 }, () => health.check()));
    for (const call of calls) {
      // The same figures, measured once, before the job was queued.
      expect(call).toEqual(first);
    }

    // With a short interval, the figures catch up.
    const often = new HealthCheck(pool, { queueFiguresEveryMs: 50 });
    const updated = await waitFor("figures that count the queued job", async () => {
      const result = await often.check();
      return result.status === "ok" && "ready" in result.queue && result.queue.ready === 1
        ? result.queue
        : undefined;
    });
    expect(Date.parse(updated.measuredAt)).toBeGreaterThan(Date.parse(measuredAt));
    await query("DELETE FROM graphile_worker._private_jobs");
  });

  it("has PostgreSQL cancel a slow aggregate, and still answers 200 at once", async () => {
    // Hold the jobs table so that the aggregate cannot read it.
    const blocker = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await blocker.connect();
    try {
      await blocker.query("BEGIN");
      await blocker.query("LOCK TABLE graphile_worker._private_jobs IN ACCESS EXCLUSIVE MODE");
      const health = new HealthCheck(pool, {
        queueFiguresTimeoutMs: 200,
        queueFiguresRetryMs: 60_000,
      });
      expect(await health.check()).toEqual({
        status: "ok",
        database: "ok",
        queue: { unavailable: "timeout" },
      });
      // Cancelled in PostgreSQL, not merely abandoned by the client.
      expect(await runningAggregates()).toBe(0);

      // A failed aggregate is not tried again at once, not even when the table is free.
      await blocker.query("ROLLBACK");
      expect(await health.check()).toMatchObject({ queue: { unavailable: "timeout" } });
      expect(await runningAggregates()).toBe(0);
    } finally {
      await blocker.end();
    }
  });

  it("answers 503 'timeout' when no connection answers in time", async () => {
    const small = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 1 });
    const held = await small.connect();
    try {
      const health = new HealthCheck(small, { timeoutMs: 200 });
      expect(await health.check()).toEqual({ status: "unavailable", database: "timeout" });
    } finally {
      held.release();
      // The check's own query gets the connection afterwards, runs and gives it back.
      await waitFor("the pool to be idle", async () =>
        small.idleCount === small.totalCount && small.waitingCount === 0 ? true : undefined,
      );
      await small.end();
    }
  });
});

describe("GET /healthz with the database stopped", () => {
  const dir = path.join(PROJECT_ROOT, ".data", `healthz-${process.pid}`);

  it("answers 503, says the database is unreachable, and shows no error text", async () => {
    // A PostgreSQL of its own, so that stopping it leaves the other test files alone.
    const postgres = await startEmbeddedPostgres({
      dir,
      port: await freePort(),
      database: "recur",
      // Removed when it stops, wherever it was placed.
      ephemeral: true,
    });
    const { runMigrations } = await import("graphile-worker");
    const own = new pg.Pool({ connectionString: postgres.url, connectionTimeoutMillis: 1000 });
    own.on("error", () => {});
    try {
      await runMigrations({ pgPool: own });
      const health = new HealthCheck(own);
      expect((await health.check()).status).toBe("ok");

      await postgres.stop();
      // Exactly this: no message, code or address from the driver.
      expect(await health.check()).toEqual({ status: "unavailable", database: "unreachable" });
    } finally {
      await own.end();
      await postgres.stop();
    }
  });
});
