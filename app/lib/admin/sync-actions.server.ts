/** The overview's two buttons: "Sync now" (a full sync) and "Check for missed updates" (incremental). */
import { z } from "zod";
import type { Queryable } from "../../db.server.ts";
import { requestSync } from "../sync/request.server.ts";

export const syncActionSchema = z.object({
  intent: z.literal("sync", { error: 'intent must be "sync"' }),
  kind: z.enum(["full", "incremental"], { error: "kind must be full or incremental" }),
});

export type SyncActionInput = z.output<typeof syncActionSchema>;

/**
 * Queues the shop's sync. An entity already syncing keeps its run (a shop has at most one running
 * run per entity, and the queued start finds it and stops); the message says so.
 */
export async function startSync(db: Queryable, shopId: number, kind: SyncActionInput["kind"]) {
  const { rows } = await db.query<{ entity: string }>(
    "SELECT entity::text AS entity FROM sync_runs WHERE shop_id = $1 AND status = 'running'",
    [shopId],
  );
  const busy = rows.map((row) => row.entity);
  await requestSync(db, shopId, kind);
  const what = kind === "full" ? "Sync" : "Check for missed updates";
  if (busy.length === 0) return `${what} started for customers and orders`;
  if (busy.length === 2) return `Customers and orders are already syncing; that run continues`;
  const other = busy[0] === "customers" ? "orders" : "customers";
  return `${what} started for ${other}; ${busy[0]} are already syncing`;
}
