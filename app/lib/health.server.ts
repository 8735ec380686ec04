/** What /healthz reports: the database, and the job queue's depth and age. */
import type pg from "pg";

export interface QueueHealth {
  /** Jobs ready to run now. */
  ready: number;
  /** Jobs a worker holds. */
  running: number;
  /** Jobs waiting for a retry. */
  retrying: number;
  /** Jobs that exhausted max_attempts and await the sweeper. */
  permanentlyFailed: number;
  /** Age of the oldest job ready to run, in seconds. */
  oldestReadySeconds: number | null;
}

export type Health =
  | { status: "ok"; database: "ok"; queue: QueueHealth }
  | { status: "unavailable"; database: "unreachable"; error: string };

const TIMEOUT_MS = 3000;

export async function checkHealth(pool: pg.Pool): Promise<Health> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
  });
  try {
    const { rows } = await Promise.race([
      pool.query<{
        ready: number;
        running: number;
        retrying: number;
        permanently_failed: number;
        oldest_ready_seconds: number | null;
      }>(
        `SELECT
           count(*) FILTER (WHERE locked_at IS NULL AND attempts = 0 AND run_at <= now())::int AS ready,
           count(*) FILTER (WHERE locked_at IS NOT NULL)::int AS running,
           count(*) FILTER (WHERE locked_at IS NULL AND attempts > 0 AND attempts < max_attempts)::int AS retrying,
           count(*) FILTER (WHERE locked_at IS NULL AND attempts >= max_attempts)::int AS permanently_failed,
           extract(epoch FROM now() - min(run_at) FILTER (
             WHERE locked_at IS NULL AND attempts < max_attempts AND run_at <= now()))::float8 AS oldest_ready_seconds
         FROM graphile_worker.jobs`,
      ),
      timeout,
    ]);
    const row = rows[0]!;
    return {
      status: "ok",
      database: "ok",
      queue: {
        ready: row.ready,
        running: row.running,
        retrying: row.retrying,
        permanentlyFailed: row.permanently_failed,
        oldestReadySeconds: row.oldest_ready_seconds,
      },
    };
  } catch (error) {
    return {
      status: "unavailable",
      database: "unreachable",
      error: error instanceof Error ? error.message : String(error),
    };
  } finally {
    clearTimeout(timer);
  }
}
