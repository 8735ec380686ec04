import { startSyncRun } from "../../lib/sync/sync.server.ts";
import { defineTask } from "../define-task.server.ts";

/** Opens a sync run and asks Shopify for its bulk operation (app/lib/sync/sync.server.ts). */
export const syncStart = defineTask(
  "sync.start",
  async ({ shopId, kind, entity }, { logFields }) => {
    Object.assign(logFields, { shopId, kind, entity });
    Object.assign(logFields, await startSyncRun(shopId, kind, entity));
  },
);
