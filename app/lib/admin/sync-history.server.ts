/** A shop's sync runs, newest first, and one run in full. */
import { z } from "zod";
import type { Queryable } from "../../db.server.ts";
import type { SyncKind, SyncRunStatus } from "../sync/runs.server.ts";
import type { SyncEntity } from "../sync/bulk-queries.ts";
import { keysetPage, pageFields, type Page } from "./keyset.server.ts";

export const syncHistorySchema = z.object({
  ...pageFields,
});

export interface SyncRunListRow {
  id: number;
  kind: SyncKind;
  entity: SyncEntity;
  status: SyncRunStatus;
  startedAt: Date;
  finishedAt: Date | null;
  durationSeconds: number | null;
  rowsWritten: number;
  rowsSkipped: number;
  /** An incremental run's writes are repairs: changes that no webhook had brought. */
  rowsRepaired: number | null;
  linesRejected: number;
  partial: boolean;
  errorCode: string | null;
  errorMessage: string | null;
}

const RUN_FIELDS = `r.id, r.kind::text AS kind, r.entity::text AS entity, r.status::text AS status,
  r.started_at AS "startedAt", r.finished_at AS "finishedAt",
  extract(epoch FROM coalesce(r.finished_at, now()) - r.started_at)::float8 AS "durationSeconds",
  r.rows_written AS "rowsWritten", r.rows_skipped AS "rowsSkipped",
  CASE WHEN r.kind = 'incremental' AND r.status <> 'running' THEN r.rows_written END AS "rowsRepaired",
  r.lines_rejected AS "linesRejected", r.partial, r.error_code AS "errorCode",
  r.error_message AS "errorMessage"`;

export async function listSyncRuns(
  db: Queryable,
  shopId: number,
  input: z.output<typeof syncHistorySchema>,
): Promise<Page<SyncRunListRow>> {
  return keysetPage<SyncRunListRow>(db, {
    select: `SELECT ${RUN_FIELDS} FROM sync_runs r`,
    where: ["r.shop_id = $1"],
    params: [shopId],
    column: "r.id",
    columnType: "int",
    nullable: false,
    id: "r.id",
    idType: "int",
    direction: "desc",
    page: input,
  });
}

export interface SyncRunDetail extends SyncRunListRow {
  bulkOperationId: string | null;
  bulkStatus: string | null;
  searchQuery: string | null;
  objectCount: string;
  ingestQueuedAt: Date | null;
}

export async function findSyncRun(
  db: Queryable,
  shopId: number,
  runId: number,
): Promise<SyncRunDetail | undefined> {
  const { rows } = await db.query<SyncRunDetail>(
    `SELECT ${RUN_FIELDS}, r.bulk_operation_id AS "bulkOperationId", r.bulk_status AS "bulkStatus",
       r.search_query AS "searchQuery", r.object_count::text AS "objectCount",
       r.ingest_queued_at AS "ingestQueuedAt"
     FROM sync_runs r WHERE r.shop_id = $1 AND r.id = $2`,
    [shopId, runId],
  );
  return rows[0];
}
