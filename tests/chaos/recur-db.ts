/**
 * What the chaos run reads from (and queues into) Recur's database. The run's own small pool
 * outlives a PostgreSQL restart: a query that fails while the server is down is retried by the
 * polling loops that call it.
 */
import pg from "pg";

export function openPool(url: string): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max: 4, application_name: "recur-chaos" });
  // Idle clients die with a restart; the pool drops them and the next query reconnects.
  pool.on("error", () => {});
  return pool;
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A query, retried while the server is unreachable (a restart), for up to `timeoutMs`. */
export async function query<T extends pg.QueryResultRow>(
  db: pg.Pool,
  sql: string,
  params: unknown[] = [],
  timeoutMs = 60_000,
): Promise<T[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return (await db.query<T>(sql, params)).rows;
    } catch (error) {
      const code = (error as { code?: string }).code;
      // Connection-level failures (57P01 admin shutdown, 57P03 starting up, ECONNREFUSED, …)
      // are retried; a bad query is not.
      const transient =
        code === undefined ||
        code.startsWith("57P") ||
        code.startsWith("08") ||
        /^E[A-Z]+$/.test(code);
      if (!transient || Date.now() > deadline) throw error;
      await delay(200);
    }
  }
}

/** Queues a job the way cron would, without waiting for the minute. */
export async function queueJob(
  db: pg.Pool,
  task: "sweeper" | "reconcile",
  jobKey: string,
  maxAttempts: number,
): Promise<void> {
  await query(
    db,
    `SELECT graphile_worker.add_job($1, '{}'::json, job_key := $2, max_attempts := $3)`,
    [task, jobKey, maxAttempts],
  );
}

export interface QueueState {
  /** Deliveries not yet settled. */
  pendingDeliveries: number;
  /** Jobs other than the sweeper. */
  jobs: number;
  lockedJobs: number;
  runningSyncs: number;
}

export async function queueState(db: pg.Pool): Promise<QueueState> {
  const [row] = await query<{
    pending_deliveries: number;
    jobs: number;
    locked_jobs: number;
    running_syncs: number;
  }>(
    db,
    `SELECT
       (SELECT count(*) FROM webhook_deliveries WHERE status IN ('received', 'processing'))::int
         AS pending_deliveries,
       (SELECT count(*) FROM graphile_worker.jobs WHERE task_identifier <> 'sweeper')::int AS jobs,
       (SELECT count(*) FROM graphile_worker.jobs WHERE locked_at IS NOT NULL)::int AS locked_jobs,
       (SELECT count(*) FROM sync_runs WHERE status = 'running')::int AS running_syncs`,
  );
  return {
    pendingDeliveries: row!.pending_deliveries,
    jobs: row!.jobs,
    lockedJobs: row!.locked_jobs,
    runningSyncs: row!.running_syncs,
  };
}

export const isDrained = (state: QueueState) =>
  state.pendingDeliveries === 0 && state.jobs === 0 && state.runningSyncs === 0;

/** The worker pool ids a worker process (by pid) announced in its heartbeats. */
export async function workerIdsOf(db: pg.Pool, pid: number): Promise<string[]> {
  const rows = await query<{ worker_id: string }>(
    db,
    "SELECT worker_id FROM worker_heartbeats WHERE pid = $1",
    [pid],
  );
  return rows.map((row) => row.worker_id);
}

export async function jobsLockedBy(db: pg.Pool, workerIds: string[]): Promise<number> {
  if (workerIds.length === 0) return 0;
  const [row] = await query<{ n: number }>(
    db,
    "SELECT count(*)::int AS n FROM graphile_worker.jobs WHERE locked_by = ANY($1::text[])",
    [workerIds],
  );
  return row!.n;
}
