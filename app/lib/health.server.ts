/**
 * What /healthz reports. /healthz is unauthenticated and may be called by anyone, as often as they
 * like, so what one call costs is bounded:
 *
 * - The database check is `SELECT 1`: answered, or not within `timeoutMs` (the query is given the
 *   same client-side timeout, after which its connection is dropped rather than reused).
 * - The job queue's figures aggregate graphile-worker's jobs, which is as slow as the queue is long.
 *   They are computed at most once every `queueFiguresEveryMs` per process, one computation at a
 *   time, in the background of the calls that find them due (only a process's first call waits),
 *   under a server-side statement timeout, so PostgreSQL cancels a slow one; after a failure the
 *   next attempt waits `queueFiguresRetryMs`. Every answer says when its figures were measured.
 * - No database error text is shown, only what kind of failure it was; the error itself is logged.
 */
import type pg from "pg";
import { withTransaction } from "../db.server.ts";
import { logger } from "../logger.server.ts";

export interface QueueFigures {
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
  /** When these figures were measured (ISO 8601). */
  measuredAt: string;
}

/** The queue's figures, or why there are none right now. */
export type QueueHealth = QueueFigures | { unavailable: "timeout" | "error" };

export type Health =
  | { status: "ok"; database: "ok"; queue: QueueHealth }
  | { status: "unavailable"; database: "unreachable" | "timeout" };

export interface HealthOptions {
  /** How long the database has to answer `SELECT 1`. */
  timeoutMs?: number;
  /** How often the queue's figures are computed, at most. */
  queueFiguresEveryMs?: number;
  /** The statement timeout of the queue's figures. */
  queueFiguresTimeoutMs?: number;
  /** After the figures failed, how long before they are tried again. */
  queueFiguresRetryMs?: number;
}

export const QUEUE_FIGURES_SQL = `SELECT
  count(*) FILTER (WHERE locked_at IS NULL AND attempts = 0 AND run_at <= now())::int AS ready,
  count(*) FILTER (WHERE locked_at IS NOT NULL)::int AS running,
  count(*) FILTER (WHERE locked_at IS NULL AND attempts > 0 AND attempts < max_attempts)::int AS retrying,
  count(*) FILTER (WHERE locked_at IS NULL AND attempts >= max_attempts)::int AS permanently_failed,
  extract(epoch FROM now() - min(run_at) FILTER (
    WHERE locked_at IS NULL AND attempts < max_attempts AND run_at <= now()))::float8 AS oldest_ready_seconds
FROM graphile_worker.jobs`;

class Timeout extends Error {}

function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Timeout()), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** PostgreSQL's "canceling statement due to statement timeout". */
const QUERY_CANCELED = "57014";

export class HealthCheck {
  private readonly timeoutMs: number;
  private readonly queueFiguresEveryMs: number;
  private readonly queueFiguresTimeoutMs: number;
  private readonly queueFiguresRetryMs: number;
  private queue: QueueHealth | undefined;
  /** When the queue's figures may be computed again (ms since the epoch). */
  private queueDueAt = 0;
  private queueInFlight: Promise<void> | undefined;

  private readonly pool: pg.Pool;

  constructor(pool: pg.Pool, options: HealthOptions = {}) {
    this.pool = pool;
    this.timeoutMs = options.timeoutMs ?? 2000;
    this.queueFiguresEveryMs = options.queueFiguresEveryMs ?? 5000;
    this.queueFiguresTimeoutMs = options.queueFiguresTimeoutMs ?? 1000;
    this.queueFiguresRetryMs = options.queueFiguresRetryMs ?? 30_000;
  }

  async check(): Promise<Health> {
    try {
      await within(
        this.timeoutMs,
        this.pool.query({ text: "SELECT 1", query_timeout: this.timeoutMs } as pg.QueryConfig),
      );
    } catch (error) {
      const timedOut = error instanceof Timeout || /timeout/i.test(String(error));
      logger.warn({ err: error }, "health check: the database did not answer");
      return { status: "unavailable", database: timedOut ? "timeout" : "unreachable" };
    }
    // Figures due are computed in the background; only the first call waits for them.
    const refreshed = this.refreshQueueFigures();
    if (!this.queue) await refreshed;
    return { status: "ok", database: "ok", queue: this.queue ?? { unavailable: "error" } };
  }

  /** Computes the figures if they are due; concurrent callers wait for the same computation. */
  private refreshQueueFigures(): Promise<void> {
    if (this.queueInFlight) return this.queueInFlight;
    if (Date.now() < this.queueDueAt) return Promise.resolve();
    this.queueInFlight = this.measureQueue().finally(() => (this.queueInFlight = undefined));
    return this.queueInFlight;
  }

  private async measureQueue(): Promise<void> {
    let client: pg.PoolClient | undefined;
    let broken: unknown;
    try {
      const connecting = this.pool.connect();
      client = await within(this.timeoutMs, connecting).catch((error: unknown) => {
        // The pool may still hand over a client after the timeout: give it back.
        connecting.then(
          (late) => late.release(),
          () => {},
        );
        throw error;
      });
      const row = await withTransaction(
        client,
        async (tx) => {
          const { rows } = await tx.query<{
            ready: number;
            running: number;
            retrying: number;
            permanently_failed: number;
            oldest_ready_seconds: number | null;
          }>(QUEUE_FIGURES_SQL);
          return rows[0]!;
        },
        { readOnly: true, statementTimeoutMs: Math.ceil(this.queueFiguresTimeoutMs) },
      );
      this.queue = {
        ready: row.ready,
        running: row.running,
        retrying: row.retrying,
        permanentlyFailed: row.permanently_failed,
        oldestReadySeconds: row.oldest_ready_seconds,
        measuredAt: new Date().toISOString(),
      };
      this.queueDueAt = Date.now() + this.queueFiguresEveryMs;
    } catch (error) {
      // Cancelled by its timeout, the transaction was rolled back and the client is fine (one
      // whose connection broke is dropped by the pool in any case).
      const canceled = (error as { code?: string }).code === QUERY_CANCELED;
      if (!canceled) broken = error;
      logger.warn({ err: error }, "health check: the job queue's figures failed");
      this.queue = { unavailable: canceled || error instanceof Timeout ? "timeout" : "error" };
      this.queueDueAt = Date.now() + this.queueFiguresRetryMs;
    } finally {
      // A client whose statement failed for another reason is dropped, not reused.
      client?.release(broken !== undefined);
    }
  }
}
