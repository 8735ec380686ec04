import { ingestRun } from "../../lib/sync/sync.server.ts";
import { defineTask } from "../define-task.server.ts";

/** Streams a finished run's result through the guarded upsert and ends the run. */
export const syncIngest = defineTask("sync.ingest", async ({ syncRunId }, { logFields }) => {
  logFields.syncRunId = syncRunId;
  const counts = await ingestRun(syncRunId);
  if (counts === "waiting") logFields.waitingForSlot = true;
  else if (counts) Object.assign(logFields, { ...counts, rejections: undefined });
});
