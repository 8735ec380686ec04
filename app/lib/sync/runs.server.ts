/** The sync log: one row per bulk operation run, moved along by the sync tasks. */
import type { Queryable } from "../../db.server.ts";
import type { SyncEntity } from "./bulk-queries.ts";

export type SyncKind = "full" | "incremental";
export type SyncRunStatus = "running" | "completed" | "failed" | "canceled";

export interface SyncRunRow {
  id: number;
  shopId: number;
  shopDomain: string;
  shopState: "installed" | "uninstalled";
  kind: SyncKind;
  entity: SyncEntity;
  status: SyncRunStatus;
  bulkOperationId: string | null;
  searchQuery: string | null;
  ingestQueuedAt: Date | null;
  startedAt: Date;
}

const RUN_FIELDS = `r.id, r.shop_id AS "shopId", s.domain AS "shopDomain", s.state AS "shopState",
  r.kind, r.entity, r.status, r.bulk_operation_id AS "bulkOperationId",
  r.search_query AS "searchQuery", r.ingest_queued_at AS "ingestQueuedAt", r.started_at AS "startedAt"`;

export async function findRun(db: Queryable, id: number): Promise<SyncRunRow | undefined> {
  const { rows } = await db.query<SyncRunRow>(
    `SELECT ${RUN_FIELDS} FROM sync_runs r JOIN shops s ON s.id = r.shop_id WHERE r.id = $1`,
    [id],
  );
  return rows[0];
}

export async function findRunByBulkOperation(
  db: Queryable,
  shopDomain: string,
  bulkOperationId: string,
): Promise<SyncRunRow | undefined> {
  const { rows } = await db.query<SyncRunRow>(
    `SELECT ${RUN_FIELDS} FROM sync_runs r JOIN shops s ON s.id = r.shop_id
     WHERE s.domain = $1 AND r.bulk_operation_id = $2`,
    [shopDomain, bulkOperationId],
  );
  return rows[0];
}

/**
 * Opens a run, unless one of the same shop and entity is running (then returns undefined): the
 * partial unique index sync_runs_one_running_per_shop_entity makes this race-free.
 */
export async function openRun(
  db: Queryable,
  run: { shopId: number; kind: SyncKind; entity: SyncEntity; searchQuery: string | null },
): Promise<number | undefined> {
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO sync_runs (shop_id, kind, entity, search_query)
     VALUES ($1, $2::sync_kind, $3::sync_entity, $4)
     ON CONFLICT (shop_id, entity) WHERE status = 'running' DO NOTHING
     RETURNING id`,
    [run.shopId, run.kind, run.entity, run.searchQuery],
  );
  return rows[0]?.id;
}

export async function recordBulkOperation(
  db: Queryable,
  runId: number,
  bulk: { id: string; status: string },
) {
  await db.query("UPDATE sync_runs SET bulk_operation_id = $2, bulk_status = $3 WHERE id = $1", [
    runId,
    bulk.id,
    bulk.status,
  ]);
}

export async function recordProgress(
  db: Queryable,
  runId: number,
  progress: { bulkStatus?: string; objectCount?: number | string },
) {
  await db.query(
    `UPDATE sync_runs SET bulk_status = coalesce($2, bulk_status),
       object_count = greatest(object_count, coalesce($3::bigint, object_count))
     WHERE id = $1 AND status = 'running'`,
    [runId, progress.bulkStatus ?? null, progress.objectCount ?? null],
  );
}

/** Claims a finished run's result for ingestion. Exactly one caller gets true per run. */
export async function claimForIngest(db: Queryable, runId: number): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE sync_runs SET ingest_queued_at = now()
     WHERE id = $1 AND status = 'running' AND ingest_queued_at IS NULL`,
    [runId],
  );
  return rowCount === 1;
}

export interface RunOutcome {
  status: Exclude<SyncRunStatus, "running">;
  errorCode?: string | null;
  errorMessage?: string | null;
  partial?: boolean;
}

/** Ends a running run; a run that already ended is left as it is. Returns whether it ended now. */
export async function finishRun(
  db: Queryable,
  runId: number,
  outcome: RunOutcome,
): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE sync_runs SET status = $2::sync_run_status, error_code = $3, error_message = $4,
       partial = $5, finished_at = now()
     WHERE id = $1 AND status = 'running'`,
    [
      runId,
      outcome.status,
      outcome.errorCode ?? null,
      outcome.errorMessage ?? null,
      outcome.partial ?? false,
    ],
  );
  return rowCount === 1;
}

/** The last completed run's start, per entity: where an incremental sync begins. */
export async function lastCompletedStart(
  db: Queryable,
  shopId: number,
  entity: SyncEntity,
): Promise<Date | undefined> {
  const { rows } = await db.query<{ started_at: Date }>(
    `SELECT started_at FROM sync_runs
     WHERE shop_id = $1 AND entity = $2::sync_entity AND status = 'completed'
     ORDER BY started_at DESC LIMIT 1`,
    [shopId, entity],
  );
  return rows[0]?.started_at;
}

/** Whether a sync run of the shop (either entity, either kind) is still running. */
export async function syncRunning(db: Queryable, shopId: number): Promise<boolean> {
  const { rows } = await db.query<{ running: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM sync_runs WHERE shop_id = $1 AND status = 'running') AS running`,
    [shopId],
  );
  return rows[0]!.running;
}
