import { pollRun } from "../../lib/sync/sync.server.ts";
import { defineTask } from "../define-task.server.ts";

/** Watches a running bulk operation: progress, and its finish should the webhook be lost. */
export const syncPoll = defineTask("sync.poll", async ({ syncRunId }, { logFields }) => {
  logFields.syncRunId = syncRunId;
  logFields.observation = await pollRun(syncRunId);
});
