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
import { releaseStoppedWorker } from "./lib/queue/maintenance.server.ts";
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
  /** Settles when the worker has stopped (through stop() or kill()). */
  done: Promise<void>;
  /** Finishes running jobs, then stops. */
  stop(): Promise<void>;
  /** Fails running jobs so they retry elsewhere, then stops. */
  kill(): Promise<void>;
}

const RESTART_MIN_DELAY_MS = 500;
const RESTART_MAX_DELAY_MS = 30_000;

/**
 * Runs graphile-worker, and starts it again when its pool stops on its own. graphile-worker stops
 * a pool when it cannot record a job's completion or failure ("queue is in an inconsistent
 * state"), which is what a PostgreSQL restart or failover does to the connections in use. A worker
 * process that then exited would leave the queue unserved until something restarted it; this one
 * releases the stopped pool's jobs (they run again: every task is idempotent) and starts a new
 * pool once the database answers.
 */
export async function startWorker(options: WorkerOptions = {}): Promise<RunningWorker> {
  let stopping = false;
  let current: Pool | undefined = await startPool(options);
  const done = (async () => {
    let failures = 0;
    while (current) {
      const stopped: Pool = current;
      const startedAt = Date.now();
      const error = await stopped.runner.promise.then(
        () => undefined,
        (reason: unknown) => reason,
      );
      // A pool that stops again soon after its restart waits longer before the next one.
      failures = Date.now() - startedAt > RESTART_MAX_DELAY_MS ? 0 : failures + 1;
      current = undefined;
      await stopped.stopHeartbeats();
      if (stopping) return;
      logger.error(
        { err: error, workerId: stopped.workerId },
        "worker pool stopped on its own; releasing its jobs and starting a new pool",
      );
      current = await retryUntilDatabaseAnswers(
        async () => {
          if (stopped.workerId) await releaseStoppedWorker(pool, stopped.workerId);
          return startPool(options);
        },
        failures - 1,
        () => stopping,
      );
      if (stopping) await current?.runner.stop();
    }
  })();

  return {
    done,
    async stop() {
      stopping = true;
      await current?.runner.stop();
      await done;
    },
    async kill() {
      stopping = true;
      await current?.runner.kill();
      await done;
    },
  };
}

interface Pool {
  runner: Runner;
  workerId: string | undefined;
  stopHeartbeats(): Promise<unknown>;
}

async function startPool(options: WorkerOptions): Promise<Pool> {
  const events: WorkerEvents = new EventEmitter();
  const heartbeats: Heartbeat[] = [];
  const started: Pool = {
    runner: undefined as unknown as Runner,
    workerId: undefined,
    stopHeartbeats: () => Promise.allSettled(heartbeats.map((heartbeat) => heartbeat.stop())),
  };
  events.on("pool:create", ({ workerPool }) => {
    started.workerId = workerPool.id;
    heartbeats.push(
      startHeartbeat(pool, workerPool.id, heartbeatIntervalMs(env.WORKER_STALE_AFTER_SECONDS)),
    );
    logger.info({ workerId: workerPool.id }, "worker started");
  });

  started.runner = await run({
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
  return started;
}

/** Tries `attempt` with a growing delay until it succeeds (or `givenUp()`: then undefined). */
async function retryUntilDatabaseAnswers<T>(
  attempt: () => Promise<T>,
  failures: number,
  givenUp: () => boolean,
): Promise<T | undefined> {
  for (let tries = failures; !givenUp(); tries++) {
    const delay = Math.min(RESTART_MIN_DELAY_MS * 2 ** tries, RESTART_MAX_DELAY_MS);
    await new Promise((resolve) => setTimeout(resolve, delay));
    if (givenUp()) break;
    try {
      return await attempt();
    } catch (error) {
      logger.warn({ err: error }, "cannot start a worker pool yet; trying again");
    }
  }
  return undefined;
}
