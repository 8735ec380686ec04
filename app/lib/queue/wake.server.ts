/**
 * Wakes this process's worker pool when a job it queued for later falls due (docs/decisions/086).
 *
 * graphile-worker learns of a new job by LISTEN/NOTIFY at the moment it is queued. A job queued to
 * run later is not due at that moment, so it is found only by the pool's next poll: up to
 * `pollInterval` (2 s) after it fell due. Such jobs are a customer's rescoring, 500 ms after their
 * order (app/lib/rfm/jobs.server.ts), and a sync's next poll of its bulk operation
 * (app/lib/sync/sync.server.ts); every job queued with a `runAt` (enqueue.server.ts) asks for a
 * wake. The process that queued it knows when it falls due, and nudges its
 * own pool then (`WorkerPool.nudge`, graphile-worker's way to make a pool look for jobs at once).
 * The poll is still there for the jobs whose transaction commits after their wake, and for jobs
 * queued by other processes.
 */
import type { WorkerPool } from "graphile-worker";

/** Due times are rounded up to this, so a burst of jobs due together is one timer. */
const WAKE_GRANULARITY_MS = 50;

let current: WorkerPool | undefined;
const pending = new Set<number>();

/** The worker pool that this process runs (app/worker.server.ts); returns its unregistration. */
export function registerWorkerPool(workerPool: WorkerPool): () => void {
  current = workerPool;
  return () => {
    if (current === workerPool) current = undefined;
  };
}

/**
 * Nudges this process's worker pool at `runAt`. Does nothing in a process without a pool (the web
 * process): its jobs are found by the workers' poll.
 */
export function wakeWorkerWhenDue(runAt: Date): void {
  if (!current) return;
  const at = Math.ceil(runAt.getTime() / WAKE_GRANULARITY_MS) * WAKE_GRANULARITY_MS;
  if (pending.has(at)) return;
  pending.add(at);
  const timer = setTimeout(
    () => {
      pending.delete(at);
      current?.nudge(1);
    },
    Math.max(0, at - Date.now()),
  );
  // A wake never keeps a stopping process alive.
  timer.unref();
}
