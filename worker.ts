/** `npm run worker`: the job worker as its own process. SIGTERM/SIGINT stop it gracefully. */
// First: the worker's heap cap (docs/decisions/070); a process started without it is re-executed
// under it, same pid. Its only static import: the rest is loaded once, in the capped process.
import "./app/worker-heap-cap.server.ts";

// Then: parses the environment (production unless NODE_ENV says otherwise).
await import("./app/env.server.ts");
const { liftStatementTimeout, pool } = await import("./app/db.server.ts");
const { flushLogs, logger } = await import("./app/logger.server.ts");
const { startWorker } = await import("./app/worker.server.ts");

const LOCAL_QUEUE_RETURN_FAILED =
  /^Error occurred whilst returning jobs from local queue to database queue\b/;

/**
 * graphile-worker 0.18's local queue, when PostgreSQL goes away while its pool is shutting down,
 * tries to return its fetched jobs after the queue was released; the retry it cannot register
 * rejects with nobody listening ("Error occurred whilst returning jobs from local queue to database
 * queue"), and Node would end the process (found by the chaos run). The pool is already stopping:
 * startWorker replaces it and releases its jobs (app/worker.server.ts), so that one rejection is
 * logged and the process goes on. Any other unhandled rejection still ends it.
 */
process.on("unhandledRejection", (reason) => {
  if (reason instanceof Error && LOCAL_QUEUE_RETURN_FAILED.test(reason.message)) {
    logger.error({ err: reason }, "graphile-worker could not return a stopped pool's jobs");
    return;
  }
  logger.fatal({ err: reason }, "unhandled rejection: stopping the worker");
  flushLogs();
  process.exit(1);
});

// The pool's statement timeout is the web process's (app/db.server.ts); not the worker's.
liftStatementTimeout(pool);

const worker = await startWorker();
let stopping = false;

async function shutdown(signal: NodeJS.Signals) {
  if (stopping) {
    logger.warn({ signal }, "second signal: failing running jobs so that they retry");
    await worker.kill();
    flushLogs();
    process.exit(1);
  }
  stopping = true;
  logger.info({ signal }, "stopping worker: finishing running jobs");
  await worker.stop();
  await pool.end();
  flushLogs();
  process.exit(0);
}

process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);

await worker.done;
