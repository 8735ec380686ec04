/**
 * Runs queued jobs to completion, deterministically, in this process: no worker loop, no sleeping.
 * Failed jobs are retried at once (as if their backoff had elapsed) until they succeed or use up
 * their attempts.
 *
 * graphile-worker's runOnce resolves when its workers find no more jobs, but by default a worker
 * does not wait for its own completeJob/failJob statement: runOnce could resolve while the last
 * job it ran was still locked and its attempt unrecorded (9 times in 100 here), so a sweeper run
 * next saw no exhausted job and wrote no dead letter. With batch delays of 0, completions and
 * failures go through graphile-worker's batchers, which its shutdown flushes before runOnce
 * resolves: every job drainJobs ran is settled when it returns (tests/integration/drain-jobs.test.ts).
 */
import { Logger, runOnce, type TaskList } from "graphile-worker";
import { pool } from "../../app/db.server.ts";
import { taskList } from "../../app/jobs/task-list.server.ts";

const quietLogger = new Logger(() => () => {});

export async function drainJobs({
  retryFailures = true,
  tasks,
  taskList: ownTasks,
  concurrency = 4,
}: {
  retryFailures?: boolean;
  /** Jobs run at once (1: one after another, in the queue's order). */
  concurrency?: number;
  tasks?: string[];
  /** Tasks of the caller's own instead of Recur's (the helper's own tests). */
  taskList?: TaskList;
} = {}): Promise<void> {
  // With `tasks`, only those tasks' jobs run; the others wait for the next drain.
  const all = ownTasks ?? taskList;
  const list = tasks ? Object.fromEntries(tasks.map((name) => [name, all[name]!])) : all;
  const rescores = "rfm.rescore-customer" in list;
  for (let round = 0; round < 100; round++) {
    if (rescores) await bringDebouncedRescoringsForward();
    await runOnce({
      pgPool: pool,
      taskList: list,
      concurrency,
      noHandleSignals: true,
      logger: quietLogger,
      preset: { worker: { completeJobBatchDelay: 0, failJobBatchDelay: 0 } },
    });
    if (!retryFailures) return;
    const { rows } = await pool.query<{ id: string }>(
      `SELECT id::text FROM graphile_worker.jobs
       WHERE attempts > 0 AND attempts < max_attempts AND ($1::text[] IS NULL OR task_identifier = ANY($1))`,
      [tasks ?? null],
    );
    if (rows.length === 0 && !(rescores && (await debouncedRescoringsPending()))) return;
    // Their backoff has "elapsed": run them now (by the database's clock, which runOnce reads).
    await pool.query(
      "SELECT graphile_worker.reschedule_jobs($1::bigint[], run_at := now() - interval '1 second')",
      [rows.map((row) => row.id)],
    );
  }
  throw new Error("Jobs were still failing after 100 rounds");
}

/**
 * A customer's rescoring waits RESCORE_DELAY_MS after the change that queued it (so that a burst
 * is one job); runOnce only runs jobs that are due, so a drain that runs rescorings makes the
 * pending ones due now, as if their delay had elapsed. Their count (one per key) is unchanged.
 */
async function debouncedRescoringsPending(): Promise<boolean> {
  const { rows } = await pool.query<{ pending: boolean }>(
    `SELECT EXISTS (SELECT FROM graphile_worker.jobs
       WHERE task_identifier = 'rfm.rescore-customer' AND run_at > now() AND locked_at IS NULL
         AND attempts = 0) AS pending`,
  );
  return rows[0]!.pending;
}

async function bringDebouncedRescoringsForward(): Promise<void> {
  await pool.query(
    `SELECT graphile_worker.reschedule_jobs(array_agg(id), run_at := now() - interval '1 second')
     FROM graphile_worker.jobs
     WHERE task_identifier = 'rfm.rescore-customer' AND run_at > now() AND locked_at IS NULL
     HAVING count(*) > 0`,
  );
}

/** Rows of the jobs view, for assertions. */
export async function jobs() {
  const { rows } = await pool.query<{
    task_identifier: string;
    key: string | null;
    attempts: number;
    max_attempts: number;
    locked_at: Date | null;
    last_error: string | null;
    priority: number;
  }>(
    "SELECT task_identifier, key, attempts, max_attempts, locked_at, last_error, priority FROM graphile_worker.jobs ORDER BY id",
  );
  return rows;
}
