/**
 * The sweeper's three duties, one function each. All are safe to run on several workers at once:
 * each is an idempotent statement over the jobs view or Recur's own tables.
 */
import { makeWorkerUtils, type WorkerUtils } from "graphile-worker";
import type pg from "pg";
import { enqueueJob } from "./enqueue.server.ts";
import { logger } from "../../logger.server.ts";
import { DELIVERY_TASKS, deliveryIdOfJobKey } from "../webhooks/topics.ts";

let utils: Promise<WorkerUtils> | undefined;
function workerUtils(pool: pg.Pool): Promise<WorkerUtils> {
  utils ??= makeWorkerUtils({ pgPool: pool }).catch((error: unknown) => {
    // Not cached: the database may answer next time (makeWorkerUtils checks its schema).
    utils = undefined;
    throw error;
  });
  return utils;
}

interface ExhaustedJob {
  id: string;
  key: string | null;
  task_identifier: string;
  last_error: string | null;
}

/**
 * Jobs that used up max_attempts (graphile-worker keeps them forever, unlocked): the delivery of
 * each webhook job becomes a dead letter carrying the job's last error; then the jobs are removed.
 * Jobs of other tasks are logged as errors before they are removed.
 */
export async function deadLetterExhaustedJobs(pool: pg.Pool): Promise<number> {
  const { rows: jobs } = await pool.query<ExhaustedJob>(
    `SELECT id::text, key, task_identifier, last_error FROM graphile_worker.jobs
     WHERE attempts >= max_attempts AND locked_at IS NULL
     ORDER BY id LIMIT 1000`,
  );
  if (jobs.length === 0) return 0;
  const deliveryJobs = jobs.filter(
    (job) => job.key && (DELIVERY_TASKS as string[]).includes(job.task_identifier),
  );
  // A sync run whose poll or ingest job gave up ends failed, with the job's last error.
  const syncJobs = jobs.flatMap((job) => {
    const runId = /^sync-(?:poll|ingest):(\d+)$/.exec(job.key ?? "")?.[1];
    return runId
      ? [{ runId: Number(runId), error: job.last_error ?? "The job used up its attempts" }]
      : [];
  });
  if (syncJobs.length > 0) {
    await pool.query(
      `UPDATE sync_runs AS r
       SET status = 'failed', error_code = 'JOB_FAILED', finished_at = now(), error_message = j.error
       FROM unnest($1::int[], $2::text[]) AS j(run_id, error)
       WHERE r.id = j.run_id AND r.status = 'running'`,
      [syncJobs.map((job) => job.runId), syncJobs.map((job) => job.error)],
    );
  }
  const { rowCount } = await pool.query(
    `UPDATE webhook_deliveries AS d
     SET status = 'dead_letter', processed_at = now(),
         last_error = coalesce(j.last_error, d.last_error, 'The job used up its attempts')
     FROM unnest($1::text[], $2::text[]) AS j(key, last_error)
     WHERE d.id = j.key AND d.status IN ('received', 'processing')`,
    [
      deliveryJobs.map((job) => deliveryIdOfJobKey(job.key!)),
      deliveryJobs.map((job) => job.last_error),
    ],
  );
  for (const job of jobs) {
    if (!deliveryJobs.includes(job) && !/^sync-/.test(job.key ?? "")) {
      logger.error(
        { jobId: job.id, task: job.task_identifier, jobKey: job.key, lastError: job.last_error },
        "job used up its attempts",
      );
    }
  }
  await (await workerUtils(pool)).completeJobs(jobs.map((job) => job.id));
  return rowCount ?? 0;
}

/**
 * Unlocks the jobs of worker pools whose heartbeat stopped (a crashed or killed process), so they
 * run again within about a minute instead of graphile-worker's four hours.
 */
export async function unlockCrashedWorkers(
  pool: pg.Pool,
  staleAfterSeconds: number,
): Promise<string[]> {
  const { rows } = await pool.query<{ locked_by: string }>(
    `SELECT DISTINCT j.locked_by FROM graphile_worker.jobs j
     LEFT JOIN worker_heartbeats h ON h.worker_id = j.locked_by
     WHERE j.locked_by IS NOT NULL
       AND (h.last_seen_at < now() - make_interval(secs => $1)
         -- No heartbeat at all: a worker that died before its first beat, or one that started a
         -- moment ago. Only a lock as old as the staleness period tells them apart.
         OR (h.worker_id IS NULL AND j.locked_at < now() - make_interval(secs => $1)))`,
    [staleAfterSeconds],
  );
  const workerIds = rows.map((row) => row.locked_by);
  if (workerIds.length > 0) {
    await (await workerUtils(pool)).forceUnlockWorkers(workerIds);
    logger.warn({ workerIds }, "unlocked the jobs of workers that stopped beating");
  }
  await pool.query(
    `DELETE FROM worker_heartbeats
     WHERE worker_id = ANY($1::text[]) OR last_seen_at < now() - interval '1 day'`,
    [workerIds],
  );
  return workerIds;
}

/**
 * The jobs of a worker pool known to have stopped (its own process saw it stop), unlocked at once
 * rather than when its heartbeat goes stale.
 */
export async function releaseStoppedWorker(pool: pg.Pool, workerId: string): Promise<void> {
  await (await workerUtils(pool)).forceUnlockWorkers([workerId]);
  await pool.query("DELETE FROM worker_heartbeats WHERE worker_id = $1", [workerId]);
}

/**
 * Sync runs the sweeper looks after: a running bulk operation whose poll chain broke is polled
 * again (its finish webhook may have been lost); a run whose bulk operation never started is
 * failed. Returns how many runs it touched.
 */
export async function repairSyncRuns(pool: pg.Pool, graceMinutes = 5): Promise<number> {
  const { rows: unpolled } = await pool.query<{ id: number }>(
    `SELECT r.id FROM sync_runs r
     WHERE r.status = 'running' AND r.bulk_operation_id IS NOT NULL AND r.ingest_queued_at IS NULL
       AND r.started_at < now() - make_interval(mins => $1)
       AND NOT EXISTS (SELECT 1 FROM graphile_worker.jobs j WHERE j.key = 'sync-poll:' || r.id)`,
    [graceMinutes],
  );
  for (const run of unpolled) {
    await enqueueJob(
      pool,
      "sync.poll",
      { syncRunId: run.id },
      { jobKey: `sync-poll:${run.id}`, maxAttempts: 10 },
    );
  }
  const { rowCount } = await pool.query(
    `UPDATE sync_runs SET status = 'failed', error_code = 'NOT_STARTED', finished_at = now(),
       error_message = 'Shopify never confirmed the bulk operation; failed by the sweeper'
     WHERE status = 'running' AND bulk_operation_id IS NULL
       AND started_at < now() - make_interval(mins => $1)`,
    [graceMinutes],
  );
  return unpolled.length + (rowCount ?? 0);
}

/** Sync runs still `running` long after they should have finished end `failed`, saying why. */
export async function failStaleSyncRuns(pool: pg.Pool, staleAfterMinutes: number): Promise<number> {
  const { rowCount } = await pool.query(
    `UPDATE sync_runs
     SET status = 'failed', error_code = 'STALE', finished_at = now(),
         error_message = format('Still running after %s minutes; failed by the sweeper', $1::int)
     WHERE status = 'running' AND started_at < now() - make_interval(mins => $1)`,
    [staleAfterMinutes],
  );
  return rowCount ?? 0;
}
