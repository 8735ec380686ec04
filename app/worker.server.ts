/**
 * The worker: graphile-worker running Recur's task list and crontab on the shared pool, with a
 * heartbeat per worker pool. worker.ts runs it as its own process; tests start it in-process.
 */
import { EventEmitter } from "node:events";
import { Logger, run, type Runner, type WorkerEvents } from "graphile-worker";
import { pool } from "./db.server.ts";
import { env } from "./env.server.ts";
import { cronItems } from "./jobs/crontab.server.ts";
import { taskList } from "./jobs/task-list.server.ts";
import {
  heartbeatIntervalMs,
  startHeartbeat,
  type Heartbeat,
} from "./lib/queue/heartbeat.server.ts";
import { logger } from "./logger.server.ts";

/**
 * graphile-worker's own log lines, through Recur's logger. Its info lines (a line per job, with
 * the whole job row) are debug here: the task wrapper logs one line per job already.
 */
const graphileLogger = new Logger((scope) => (level, message, meta) => {
  const method = level === "warning" ? "warn" : level === "info" ? "debug" : level;
  const { job, ...rest } = (meta ?? {}) as { job?: { id?: string; task_identifier?: string } };
  logger[method](
    { graphileWorker: scope, jobId: job?.id, task: job?.task_identifier, ...rest },
    message,
  );
});

export interface WorkerOptions {
  concurrency?: number;
  /** Run the crontab (the sweeper, reconciliation). Default true. */
  schedule?: boolean;
  pollInterval?: number;
}

export interface RunningWorker {
  runner: Runner;
  /** Finishes running jobs, then stops. */
  stop(): Promise<void>;
  /** Fails running jobs so they retry elsewhere, then stops. */
  kill(): Promise<void>;
}

export async function startWorker(options: WorkerOptions = {}): Promise<RunningWorker> {
  const events: WorkerEvents = new EventEmitter();
  const heartbeats: Heartbeat[] = [];
  events.on("pool:create", ({ workerPool }) => {
    heartbeats.push(
      startHeartbeat(pool, workerPool.id, heartbeatIntervalMs(env.WORKER_STALE_AFTER_SECONDS)),
    );
    logger.info({ workerId: workerPool.id }, "worker started");
  });

  const runner = await run({
    pgPool: pool,
    taskList,
    parsedCronItems: options.schedule === false ? [] : cronItems,
    concurrency: options.concurrency ?? env.WORKER_CONCURRENCY,
    pollInterval: options.pollInterval ?? 2000,
    noHandleSignals: true,
    logger: graphileLogger,
    events,
    preset: {
      worker: {
        // Fetch ready jobs in batches, and record completions in batches, instead of one
        // round of graphile-worker's SQL per job (docs/decisions/005). A crashed worker's fetched
        // jobs are unlocked through the heartbeats; a job run twice is harmless (every task is
        // idempotent).
        localQueue: { size: 25 },
        completeJobBatchDelay: 2,
        failJobBatchDelay: 2,
      },
    },
  });

  const stopHeartbeats = () => Promise.allSettled(heartbeats.map((heartbeat) => heartbeat.stop()));
  return {
    runner,
    async stop() {
      await runner.stop();
      await stopHeartbeats();
    },
    async kill() {
      await runner.kill();
      await stopHeartbeats();
    },
  };
}
