/** `npm run worker`: the job worker as its own process. SIGTERM/SIGINT stop it gracefully. */
// First: parses the environment (production unless NODE_ENV says otherwise).
import "./app/env.server.ts";
import { pool } from "./app/db.server.ts";
import { flushLogs, logger } from "./app/logger.server.ts";
import { startWorker } from "./app/worker.server.ts";

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
