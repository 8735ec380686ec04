import { pool } from "../../db.server.ts";
import { env } from "../../env.server.ts";
import {
  deadLetterExhaustedJobs,
  failStaleSyncRuns,
  repairSyncRuns,
  unlockCrashedWorkers,
} from "../../lib/queue/maintenance.server.ts";
import { defineTask } from "../define-task.server.ts";

/**
 * Every minute: dead letters, crashed workers' jobs, sync runs whose polling broke or that never
 * started, and stale sync runs. Nothing is silently lost.
 */
export const sweeper = defineTask("sweeper", async (_payload, { logFields }) => {
  logFields.deadLetters = await deadLetterExhaustedJobs(pool);
  logFields.unlockedWorkers = (
    await unlockCrashedWorkers(pool, env.WORKER_STALE_AFTER_SECONDS)
  ).length;
  logFields.repairedSyncRuns = await repairSyncRuns(pool);
  logFields.staleSyncRuns = await failStaleSyncRuns(pool, env.SYNC_STALE_AFTER_MINUTES);
});
