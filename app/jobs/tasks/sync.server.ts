/** The sync tasks: each a thin call into app/lib/sync/sync.server.ts. */
import { ingestRun, pollRun, startSyncRun } from "../../lib/sync/sync.server.ts";
import { defineTask } from "../define-task.server.ts";

export const syncStart = defineTask(
  "sync.start",
  async ({ shopId, kind, entity }, { logFields }) => {
    Object.assign(logFields, { shopId, kind, entity });
    const result = await startSyncRun(shopId, kind, entity);
    Object.assign(logFields, result);
  },
);

export const syncPoll = defineTask("sync.poll", async ({ syncRunId }, { logFields }) => {
  logFields.syncRunId = syncRunId;
  logFields.observation = await pollRun(syncRunId);
});

export const syncIngest = defineTask("sync.ingest", async ({ syncRunId }, { logFields }) => {
  logFields.syncRunId = syncRunId;
  const counts = await ingestRun(syncRunId);
  if (counts) Object.assign(logFields, { ...counts, rejections: undefined });
});
