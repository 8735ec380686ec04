/** Asking for a sync: what the admin's buttons, the install and reconciliation do. */
import type { Queryable } from "../../db.server.ts";
import { enqueueJob } from "../queue/enqueue.server.ts";
import type { SyncEntity } from "./bulk-queries.ts";
import type { SyncKind } from "./runs.server.ts";

export const SYNC_ENTITIES: SyncEntity[] = ["customers", "orders"];

/** Queues a sync of the shop's customers and orders (one sync.start job per entity). */
export async function requestSync(db: Queryable, shopId: number, kind: SyncKind) {
  for (const entity of SYNC_ENTITIES) {
    await enqueueJob(
      db,
      "sync.start",
      { shopId, kind, entity },
      {
        jobKey: `sync-start:${shopId}:${entity}`,
        maxAttempts: 3,
      },
    );
  }
}
