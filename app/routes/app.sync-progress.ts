/**
 * GET /app/sync-progress: the overview polls this while a sync runs, so its progress bars move
 * without reloading the page.
 */
import { json, type LoaderFunctionArgs } from "@remix-run/node";
import { pool } from "../db.server.ts";
import { requireShop } from "../lib/admin/context.server.ts";
import { queuedSyncJobs, runningRuns } from "../lib/admin/overview.server.ts";
import { readStoreCounts, runProgress } from "../lib/admin/progress.server.ts";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { shop, admin } = await requireShop(request);
  const asOf = new Date().toISOString();
  const running = await runningRuns(pool, shop.id);
  const exportingFull = running.some(
    (run) => run.kind === "full" && run.bulkOperationId && !run.ingestQueuedAt,
  );
  const [counts, jobs] = await Promise.all([
    exportingFull ? readStoreCounts(admin) : Promise.resolve(null),
    queuedSyncJobs(pool, shop.id, running),
  ]);
  const progress = await runProgress(admin, running, counts);
  return json({
    /** When this was read: the overview shows the newer of this and its own data. */
    asOf,
    progress,
    syncJobs: jobs.total,
    /** Whether the overview should keep polling: runs running, or starts still queued. */
    active: running.length > 0 || jobs.starts > 0,
  });
};

export type SyncProgressData = Awaited<ReturnType<typeof loader>>;
