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
import { registerWorkerPool } from "./lib/queue/wake.server.ts";
import { logger } from "./logger.server.ts";
import { heapLimitMb } from "./worker-heap.server.ts";

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
 * How long a pool may take to shut down after graphile-worker reports a fatal error before it is
 * given up. graphile-worker 0.18 shuts a pool down when it cannot record jobs' completions or
 * failures; when that happens to more than one batch, its batcher miscounts what is pending and the
 * shutdown waits forever, while the pool's heartbeat keeps its locked jobs from being recovered.
 * Running jobs get this long to finish (a PostgreSQL restart fails them at once anyway).
 */
const FATAL_SHUTDOWN_GRACE_MS = 15_000;

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
      const error = await stoppedOrStuck(stopped);
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
    // A pool stuck shutting down (see FATAL_SHUTDOWN_GRACE_MS) never finishes stop() or kill();
    // `done` settles once it has been given up.
    async stop() {
      stopping = true;
      await Promise.race([current?.runner.stop(), done]);
      await done;
    },
    async kill() {
      stopping = true;
      await Promise.race([current?.runner.kill(), done]);
      await done;
    },
  };
}

interface Pool {
  runner: Runner;
  workerId: string | undefined;
  stopHeartbeats(): Promise<unknown>;
  /** Settles with the error when graphile-worker reports the pool's queue inconsistent. */
  fatal: Promise<unknown>;
}

/**
 * Settles when the pool's runner stops (with its error, if any), or when it is still shutting down
 * `FATAL_SHUTDOWN_GRACE_MS` after a fatal error: then it is abandoned (it takes no more jobs once
 * shutting down) and its jobs are released by the caller like those of a pool that stopped.
 */
async function stoppedOrStuck(current: Pool): Promise<unknown> {
  const stopped = current.runner.promise.then(
    () => ({ stuck: false, reason: undefined as unknown }),
    (reason: unknown) => ({ stuck: false, reason }),
  );
  let timer: NodeJS.Timeout | undefined;
  const stuck = current.fatal.then(
    (reason) =>
      new Promise<{ stuck: boolean; reason: unknown }>((resolve) => {
        timer = setTimeout(() => resolve({ stuck: true, reason }), FATAL_SHUTDOWN_GRACE_MS);
      }),
  );
  const outcome = await Promise.race([stopped, stuck]);
  clearTimeout(timer);
  if (outcome.stuck) {
    logger.error(
      { err: outcome.reason, workerId: current.workerId },
      "worker pool still shutting down after a fatal error; giving it up",
    );
    void current.runner.kill().catch(() => {});
  }
  return outcome.reason;
}

async function startPool(options: WorkerOptions): Promise<Pool> {
  const events: WorkerEvents = new EventEmitter();
  const heartbeats: Heartbeat[] = [];
  let fatal: (error: unknown) => void = () => {};
  const started: Pool = {
    runner: undefined as unknown as Runner,
    workerId: undefined,
    stopHeartbeats: () => Promise.allSettled(heartbeats.map((heartbeat) => heartbeat.stop())),
    fatal: new Promise((resolve) => (fatal = resolve)),
  };
  events.on("pool:fatalError", ({ error }) => fatal(error));
  events.on("pool:create", ({ workerPool }) => {
    started.workerId = workerPool.id;
    // Jobs this process queues for later wake this pool when they fall due (wake.server.ts).
    const unregister = registerWorkerPool(workerPool);
    events.once("pool:release", unregister);
    heartbeats.push(
      startHeartbeat(pool, workerPool.id, heartbeatIntervalMs(env.WORKER_STALE_AFTER_SECONDS)),
    );
    logger.info(
      { workerId: workerPool.id, mode: env.NODE_ENV, heapLimitMb: Math.round(heapLimitMb()) },
      "worker started",
    );
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
