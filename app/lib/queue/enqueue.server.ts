/**
 * Enqueues jobs with graphile_worker.add_job in plain SQL, so a job can be queued inside the
 * caller's transaction, atomically with the rows that need it.
 */
import type { Queryable } from "../../db.server.ts";
import { taskCatalog, type TaskName, type TaskPayload } from "./catalog.ts";
import { wakeWorkerWhenDue } from "./wake.server.ts";

export interface EnqueueOptions {
  /** graphile-worker job key: at most one pending job per key. */
  jobKey?: string;
  /**
   * What a second job with a pending job's key does: `replace` (the default) takes its payload
   * and run_at; `preserve_run_at` takes its payload but keeps the pending job's run_at.
   */
  jobKeyMode?: "replace" | "preserve_run_at";
  maxAttempts?: number;
  /** Smaller runs first. */
  priority?: number;
  /** Jobs of one named queue run one at a time. */
  queueName?: string;
  runAt?: Date;
}

export interface QueuedJob {
  id: string;
}

export async function enqueueJob<T extends TaskName>(
  db: Queryable,
  task: T,
  payload: TaskPayload<T>,
  options: EnqueueOptions = {},
): Promise<QueuedJob> {
  const checked = taskCatalog[task].parse(payload);
  const { rows } = await db.query<{ id: string }>(
    `SELECT id::text FROM graphile_worker.add_job(
       identifier := $1, payload := $2::json, queue_name := $3, run_at := $4,
       max_attempts := $5, job_key := $6, priority := $7, job_key_mode := $8)`,
    [
      task,
      JSON.stringify(checked),
      options.queueName ?? null,
      options.runAt ?? null,
      options.maxAttempts ?? null,
      options.jobKey ?? null,
      options.priority ?? null,
      options.jobKeyMode ?? null,
    ],
  );
  // A job due later is told to no worker when queued: this process's pool looks for it when due.
  if (options.runAt) wakeWorkerWhenDue(options.runAt);
  return { id: rows[0]!.id };
}
