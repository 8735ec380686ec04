/**
 * Full and incremental syncs with Shopify bulk operations. Each entity's run is a sync_runs row:
 *
 *   sync.start  opens the run and asks Shopify for a bulk query (userErrors end it `failed`);
 *   sync.poll   watches it while it runs (progress for the admin; and the finish webhook may be lost);
 *   bulk_operations/finish  (a webhook) or a poll that sees it finished: claims the result, once;
 *   sync.ingest streams the JSONL through the guarded upsert and ends the run.
 */
import type pg from "pg";
import { SessionNotFoundError } from "@shopify/shopify-app-remix/server";
import { pool, withTransaction, type Queryable } from "../../db.server.ts";
import { env } from "../../env.server.ts";
import { enqueueJob } from "../queue/enqueue.server.ts";
import { adminApiFor } from "../shopify/admin-api.server.ts";
import {
  BULK_OPERATION_RUN_QUERY,
  type BulkOperation,
  type BulkOperationRunQueryResult,
} from "../shopify/graphql-operations.ts";
import { bulkQueryFor, updatedSince, type SyncEntity } from "./bulk-queries.ts";
import {
  endUnknownRun,
  outcomeOf,
  readBulkOperation,
  TERMINAL,
  type Observation,
} from "./bulk-operation.server.ts";
import { enqueueIngest } from "./ingest-slots.server.ts";
import {
  claimForIngest,
  finishRun,
  findRun,
  lastCompletedStart,
  openRun,
  recordBulkOperation,
  recordProgress,
  type SyncKind,
  type SyncRunRow,
} from "./runs.server.ts";

export { endUnknownRun, readBulkOperation, type Observation } from "./bulk-operation.server.ts";
export { ingestRun } from "./ingest-run.server.ts";

export type StartOutcome =
  | { outcome: "started"; runId: number; bulkOperationId: string }
  | { outcome: "failed"; runId: number; reason: string }
  | { outcome: "skipped"; reason: string };

export async function startSyncRun(
  shopId: number,
  kind: SyncKind,
  entity: SyncEntity,
): Promise<StartOutcome> {
  const { rows } = await pool.query<{ domain: string; state: string }>(
    "SELECT domain, state FROM shops WHERE id = $1",
    [shopId],
  );
  const shop = rows[0];
  if (!shop || shop.state !== "installed")
    return { outcome: "skipped", reason: "the shop is not installed" };

  let searchQuery: string | null = null;
  let runKind = kind;
  if (kind === "incremental") {
    const since = await lastCompletedStart(pool, shopId, entity);
    if (since) {
      searchQuery = updatedSince(new Date(since.getTime() - env.RECONCILE_MARGIN_MINUTES * 60_000));
    } else {
      runKind = "full"; // Nothing to be incremental from.
    }
  }
  const runId = await openRun(pool, { shopId, kind: runKind, entity, searchQuery });
  if (!runId) return { outcome: "skipped", reason: `a ${entity} sync is already running` };

  const fail = async (errorCode: string, reason: string) => {
    await finishRun(pool, runId, { status: "failed", errorCode, errorMessage: reason });
    return { outcome: "failed", runId, reason } as const;
  };
  try {
    const api = await adminApiFor(shop.domain);
    const result = await api.request<BulkOperationRunQueryResult>(BULK_OPERATION_RUN_QUERY, {
      query: bulkQueryFor(entity, searchQuery ?? undefined),
    });
    const { bulkOperation, userErrors } = result.bulkOperationRunQuery;
    if (userErrors.length > 0 || !bulkOperation) {
      return fail(
        userErrors[0]?.code ?? "NO_BULK_OPERATION",
        userErrors.map((error) => error.message).join("; ") || "Shopify started no bulk operation",
      );
    }
    await recordBulkOperation(pool, runId, bulkOperation);
    await schedulePoll(pool, runId);
    return { outcome: "started", runId, bulkOperationId: bulkOperation.id };
  } catch (error) {
    if (error instanceof SessionNotFoundError) {
      return fail(
        "NO_SESSION",
        `Recur has no access token for ${shop.domain}: open Recur in Shopify admin`,
      );
    }
    return fail("REQUEST_FAILED", error instanceof Error ? error.message : String(error));
  }
}

/** Polls every SYNC_POLL_SECONDS for the first minutes of a run, then less often. */
async function schedulePoll(db: Queryable, runId: number, ageMs = 0) {
  const seconds = env.SYNC_POLL_SECONDS * (ageMs < 5 * 60_000 ? 1 : ageMs < 60 * 60_000 ? 5 : 20);
  await enqueueJob(
    db,
    "sync.poll",
    { syncRunId: runId },
    {
      jobKey: `sync-poll:${runId}`,
      runAt: new Date(Date.now() + seconds * 1000),
      maxAttempts: 10,
    },
  );
}

/**
 * What to do about a bulk operation's state, seen by the finish webhook or by a poll. A finished
 * run's result is claimed once (two finishes ingest once); a run without data ends here.
 */
export async function observeBulkOperation(
  db: pg.PoolClient,
  run: SyncRunRow,
  operation: BulkOperation,
): Promise<Observation> {
  if (run.status !== "running" || run.ingestQueuedAt) return "already settled";
  await recordProgress(db, run.id, {
    bulkStatus: operation.status,
    objectCount: operation.objectCount,
  });
  if (!TERMINAL.has(operation.status)) return "running";
  if (operation.url ?? operation.partialDataUrl) {
    if (!(await claimForIngest(db, run.id))) return "already settled";
    await enqueueIngest(db, run);
    return "ingest queued";
  }
  await finishRun(db, run.id, outcomeOf(operation, false));
  return "finished";
}

/** The sync.poll job: records progress, and acts on a finish whose webhook may have been lost. */
export async function pollRun(runId: number): Promise<Observation | "gone"> {
  const run = await findRun(pool, runId);
  if (!run?.bulkOperationId || run.status !== "running" || run.ingestQueuedAt) return "gone";
  const operation = await readBulkOperation(run);
  if (!operation) return endUnknownRun(pool, run);
  return withTransaction(pool, async (client) => {
    const observation = await observeBulkOperation(client, run, operation);
    if (observation === "running")
      await schedulePoll(client, run.id, Date.now() - run.startedAt.getTime());
    return observation;
  });
}
