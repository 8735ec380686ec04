/**
 * Worker heartbeats. Open-source graphile-worker keeps a crashed worker's jobs locked for four
 * hours; Recur's workers say they are alive every few seconds, and the sweeper unlocks the jobs of
 * worker pools that stopped saying so (app/jobs/tasks/sweeper.server.ts).
 */
import os from "node:os";
import type pg from "pg";
import { logger } from "../../logger.server.ts";

export interface Heartbeat {
  stop(): Promise<void>;
}

/**
 * Beats four times per staleness period, so one late beat never makes a live worker look dead.
 */
export function heartbeatIntervalMs(staleAfterSeconds: number): number {
  return Math.max(1000, (staleAfterSeconds * 1000) / 4);
}

export function startHeartbeat(pool: pg.Pool, workerId: string, intervalMs: number): Heartbeat {
  const beat = () =>
    pool.query(
      `INSERT INTO worker_heartbeats (worker_id, hostname, pid, started_at, last_seen_at)
       VALUES ($1, $2, $3, now(), now())
       ON CONFLICT (worker_id) DO UPDATE SET last_seen_at = now()`,
      [workerId, os.hostname(), process.pid],
    );
  const safeBeat = () =>
    beat().catch((error: unknown) => logger.warn({ err: error, workerId }, "heartbeat failed"));
  void safeBeat();
  const timer = setInterval(safeBeat, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await pool.query("DELETE FROM worker_heartbeats WHERE worker_id = $1", [workerId]);
    },
  };
}
