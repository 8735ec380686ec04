/**
 * The processing baseline: graphile-worker running no-op jobs with Recur's concurrency, until the
 * queue is empty. The ceiling of "take a job, finish it" on this machine.
 *   node bench/lib/noop-worker.ts <concurrency>   (DATABASE_URL set)
 */
import { Logger, runOnce } from "graphile-worker";

await runOnce({
  connectionString: process.env.DATABASE_URL,
  concurrency: Number(process.argv[2] ?? 4),
  taskList: { "bench.noop": async () => {} },
  noHandleSignals: true,
  logger: new Logger(() => () => {}),
});
