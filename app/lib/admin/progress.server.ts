/**
 * The sync in progress, as the overview shows it and polls it: the shop's running runs, its sync
 * jobs still queued, whether a sync is active, and how far each running run has come against what
 * the store holds: Shopify's count of the objects the run reads (STORE_COUNTS for a full run, the
 * run's own search for an incremental one) and the bulk operation's count of the objects it
 * exported so far, read live through the merchant's session. Every statement names the shop.
 */
import type { Queryable } from "../../db.server.ts";
import { logger } from "../../logger.server.ts";
import { STORE_COUNTS, type StoreCounts } from "../shopify/graphql-operations.ts";
import type { SyncEntity } from "../sync/bulk-queries.ts";
import { SYNC_ENTITIES } from "../sync/request.server.ts";
import type { SyncKind } from "../sync/runs.server.ts";
import type { AdminContext } from "./context.server.ts";
import {
  ADMIN_BULK_PROGRESS,
  ADMIN_CUSTOMERS_MATCHING,
  ADMIN_ORDERS_MATCHING,
  type BulkProgress,
  type MatchingCount,
} from "./operations.ts";

type Admin = AdminContext["admin"];

export interface RunningRun {
  id: number;
  entity: SyncEntity;
  kind: SyncKind;
  startedAt: Date;
  bulkOperationId: string | null;
  bulkStatus: string | null;
  objectCount: string;
  searchQuery: string | null;
  ingestQueuedAt: Date | null;
}

export async function runningRuns(db: Queryable, shopId: number): Promise<RunningRun[]> {
  const { rows } = await db.query<RunningRun>(
    `SELECT id, entity::text AS entity, kind::text AS kind, started_at AS "startedAt",
       bulk_operation_id AS "bulkOperationId", bulk_status AS "bulkStatus",
       object_count::text AS "objectCount", search_query AS "searchQuery",
       ingest_queued_at AS "ingestQueuedAt"
     FROM sync_runs WHERE shop_id = $1 AND status = 'running' ORDER BY entity`,
    [shopId],
  );
  return rows;
}

/**
 * Sync jobs of the shop in graphile-worker's queue: sync starts asked for (job key
 * sync-start:{shop}:{entity}) and the polls and ingests of its running runs.
 */
export async function queuedSyncJobs(
  db: Queryable,
  shopId: number,
  running: Pick<RunningRun, "id">[],
): Promise<{ starts: number; total: number }> {
  const startKeys = SYNC_ENTITIES.map((entity) => `sync-start:${shopId}:${entity}`);
  const runKeys = running.flatMap((run) => [`sync-poll:${run.id}`, `sync-ingest:${run.id}`]);
  const { rows } = await db.query<{ starts: number; total: number }>(
    `SELECT count(*) FILTER (WHERE key = ANY($1::text[]))::int AS starts, count(*)::int AS total
     FROM graphile_worker.jobs
     WHERE key = ANY($1::text[] || $2::text[]) AND attempts < max_attempts`,
    [startKeys, runKeys],
  );
  return rows[0] ?? { starts: 0, total: 0 };
}

/** What the overview shows of the sync in progress, and polls while a sync is active. */
export interface SyncActivity {
  /** When this was read: the overview shows the newer of its own data and its last poll. */
  asOf: string;
  progress: RunProgress[];
  /** The shop's sync jobs in the queue (starts, polls, ingests). */
  syncJobs: number;
  /** Runs running, or starts still queued: the overview keeps polling while this holds. */
  active: boolean;
}

/**
 * The sync in progress. A full run's progress is measured against the store's counts: pass them
 * when they are read anyway (the overview shows them), or they are read here only when a full run
 * is exporting.
 */
export async function readSyncActivity(
  db: Queryable,
  admin: Admin,
  shopId: number,
  storeCounts?: Promise<StoreCounts | null>,
): Promise<SyncActivity> {
  const asOf = new Date().toISOString();
  const running = await runningRuns(db, shopId);
  const exportingFull = running.some(
    (run) => run.kind === "full" && run.bulkOperationId && !run.ingestQueuedAt,
  );
  const [counts, jobs] = await Promise.all([
    storeCounts ?? (exportingFull ? readStoreCounts(admin) : Promise.resolve(null)),
    queuedSyncJobs(db, shopId, running),
  ]);
  return {
    asOf,
    progress: await runProgress(admin, running, counts),
    syncJobs: jobs.total,
    active: running.length > 0 || jobs.starts > 0,
  };
}

/** Runs a query and returns its data; nothing when Shopify cannot answer now (the page says so). */
async function query<T>(
  admin: Admin,
  operation: string,
  variables?: Record<string, unknown>,
): Promise<T | null> {
  try {
    const response = await admin.graphql(operation, variables ? { variables } : undefined);
    const body = (await response.json()) as { data?: T };
    return body.data ?? null;
  } catch (error) {
    // shopify-app-remix answers an invalid session with a thrown Response: App Bridge handles it.
    if (error instanceof Response) throw error;
    logger.warn({ err: error }, "admin: an Admin API read failed");
    return null;
  }
}

export function readStoreCounts(admin: Admin): Promise<StoreCounts | null> {
  return query<StoreCounts>(admin, STORE_COUNTS);
}

export type Phase = "starting" | "exporting" | "saving";

export interface RunProgress {
  id: number;
  entity: SyncEntity;
  kind: SyncKind;
  startedAt: Date;
  phase: Phase;
  /** Objects of the entity Shopify exported so far (orders, not their line items). */
  exported: number | null;
  /** Objects the run reads, by Shopify's count. */
  expected: number | null;
  /** 0-100. Saving into Recur shows 100: Shopify's part is done. */
  percent: number;
}

export async function runProgress(
  admin: Admin,
  runs: RunningRun[],
  counts: StoreCounts | null,
): Promise<RunProgress[]> {
  return Promise.all(
    runs.map(async (run) => {
      const phase: Phase = run.ingestQueuedAt
        ? "saving"
        : run.bulkOperationId
          ? "exporting"
          : "starting";
      let exported: number | null = null;
      let expected: number | null = null;
      if (phase === "exporting" && run.bulkOperationId) {
        const [bulk, matching] = await Promise.all([
          query<BulkProgress>(admin, ADMIN_BULK_PROGRESS, { id: run.bulkOperationId }),
          run.kind === "incremental" && run.searchQuery
            ? query<MatchingCount>(
                admin,
                run.entity === "customers" ? ADMIN_CUSTOMERS_MATCHING : ADMIN_ORDERS_MATCHING,
                { query: run.searchQuery },
              )
            : Promise.resolve(null),
        ]);
        const operation = bulk?.bulkOperation;
        exported = operation
          ? Number(operation.rootObjectCount ?? operation.objectCount)
          : run.entity === "customers"
            ? Number(run.objectCount) // Recur's last poll; each customer is one object.
            : null;
        const total =
          run.kind === "incremental"
            ? (matching?.[run.entity === "customers" ? "customersCount" : "ordersCount"] ?? null)
            : (counts?.[run.entity === "customers" ? "customersCount" : "ordersCount"] ?? null);
        expected = total?.count ?? null;
      }
      const percent =
        phase === "saving"
          ? 100
          : exported !== null && expected
            ? Math.min(100, Math.round((exported / expected) * 100))
            : 0;
      return {
        id: run.id,
        entity: run.entity,
        kind: run.kind,
        startedAt: run.startedAt,
        phase,
        exported,
        expected,
        percent,
      };
    }),
  );
}
