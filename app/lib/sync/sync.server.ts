/**
 * Full and incremental syncs with Shopify bulk operations. Each entity's run is a sync_runs row:
 *
 *   sync.start  opens the run and asks Shopify for a bulk query (userErrors end it `failed`);
 *   sync.poll   watches it while it runs (progress for the admin; and the finish webhook may be lost);
 *   bulk_operations/finish  (a webhook) or a poll that sees it finished: claims the result, once;
 *   sync.ingest streams the JSONL through the guarded upsert and ends the run.
 */
import { SessionNotFoundError } from "@shopify/shopify-app-remix/server";
import type pg from "pg";
import { pool, withTransaction, type Queryable } from "../../db.server.ts";
import { env } from "../../env.server.ts";
import { enqueueJob } from "../queue/enqueue.server.ts";
import { logger } from "../../logger.server.ts";
import { enqueueShopScoring } from "../rfm/jobs.server.ts";
import { adminApiFor } from "../shopify/admin-api.server.ts";
import {
  BULK_OPERATION,
  BULK_OPERATION_RUN_QUERY,
  STORE_COUNTS,
  type BulkOperation,
  type BulkOperationRunQueryResult,
  type StoreCounts,
} from "../shopify/operations.ts";
import { bulkQueryFor, updatedSince, type SyncEntity } from "./bulk-queries.ts";
import { describeUrl, openBulkResult, ResultRefused } from "./download.server.ts";
import {
  enqueueIngest,
  releaseIngestSlot,
  SLOT_WAIT_MS,
  takeIngestSlot,
  wakeWaitingIngests,
} from "./ingest-slots.server.ts";
import { ingestBulkResult, type IngestCounts } from "./ingest.server.ts";
import {
  claimForIngest,
  finishRun,
  findRun,
  lastCompletedStart,
  openRun,
  recordBulkOperation,
  recordProgress,
  type RunOutcome,
  type SyncKind,
  type SyncRunRow,
} from "./runs.server.ts";

const TERMINAL = new Set(["COMPLETED", "FAILED", "CANCELED", "EXPIRED"]);

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
 * The run's bulk operation as Shopify sees it, or null when Shopify does not know it:
 * `bulkOperation(id:)` is nullable, and answers null for an operation Shopify no longer has
 * (discarded, or started under another store's session; a restarted demo's stand-in, too).
 */
export async function readBulkOperation(run: SyncRunRow): Promise<BulkOperation | null> {
  const api = await adminApiFor(run.shopDomain);
  const { bulkOperation } = await api.request<{ bulkOperation: BulkOperation | null }>(
    BULK_OPERATION,
    {
      id: run.bulkOperationId,
    },
  );
  return bulkOperation;
}

/**
 * Ends a run whose bulk operation Shopify does not know. Asking again cannot help (Shopify will not
 * come to know it), and the running run would keep every later sync of its entity from starting.
 * A new run of the same kind and entity is queued in its place: its bulk operation is one Shopify
 * has just started, so this cannot go round in a loop unless Shopify keeps forgetting them.
 */
export async function endUnknownRun(db: Queryable, run: SyncRunRow): Promise<Observation> {
  const ended = await finishRun(db, run.id, {
    status: "failed",
    errorCode: "UNKNOWN_BULK_OPERATION",
    errorMessage:
      `Shopify does not know ${run.bulkOperationId} (it no longer has it, or it belongs to ` +
      `another store); a new sync was started in its place`,
  });
  if (ended) {
    logger.warn(
      { shop: run.shopDomain, syncRunId: run.id, bulkOperationId: run.bulkOperationId },
      "Shopify does not know the sync run's bulk operation; the run ended failed and starts again",
    );
    await enqueueJob(
      db,
      "sync.start",
      { shopId: run.shopId, kind: run.kind, entity: run.entity },
      { jobKey: `sync-start:${run.shopId}:${run.entity}`, maxAttempts: 3 },
    );
  }
  return ended ? "unknown to Shopify" : "already settled";
}

function outcomeOf(operation: BulkOperation, partial: boolean): RunOutcome {
  switch (operation.status) {
    case "COMPLETED":
      // No url means the query matched nothing; with objects counted, Shopify's answer contradicts
      // itself, and closing the run as an empty success would hide every row it should have had.
      if (!operation.url && BigInt(operation.objectCount || "0") > 0n) {
        return {
          status: "failed",
          errorCode: "NO_RESULT_URL",
          errorMessage: `The bulk operation completed with ${operation.objectCount} objects but gave no result URL`,
        };
      }
      return { status: "completed" };
    case "CANCELED":
      return {
        status: "canceled",
        errorCode: operation.errorCode,
        partial,
        errorMessage: "The bulk operation was canceled",
      };
    default:
      return {
        status: "failed",
        errorCode: operation.errorCode ?? operation.status,
        partial,
        errorMessage: `The bulk operation ended ${operation.status}${operation.errorCode ? ` (${operation.errorCode})` : ""}${partial ? "; its partial data was ingested" : ""}`,
      };
  }
}

export type Observation =
  "running" | "ingest queued" | "finished" | "already settled" | "unknown to Shopify";

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

async function recordCounts(db: Queryable, runId: number, counts: IngestCounts) {
  await db.query(
    `UPDATE sync_runs SET rows_written = $2, rows_skipped = $3, lines_rejected = $4 WHERE id = $1`,
    [runId, counts.written, counts.skipped, counts.rejected],
  );
}

/**
 * After an incremental run, Recur should hold as many live rows as Shopify. A difference means a
 * deletion (or a creation older than the run's window) that no webhook reported: a full sync of
 * that entity, whose snapshot also finds deletions, settles it.
 */
async function checkCounts(run: SyncRunRow) {
  const api = await adminApiFor(run.shopDomain);
  const counts = await api.request<StoreCounts>(STORE_COUNTS);
  const store = run.entity === "customers" ? counts.customersCount : counts.ordersCount;
  const { rows } = await pool.query<{ live: number }>(
    `SELECT count(*)::int AS live FROM ${run.entity}
     WHERE shop_id = $1 AND deleted_at IS NULL AND shopify_updated_at IS NOT NULL`,
    [run.shopId],
  );
  const live = rows[0]!.live;
  if (store.precision === "EXACT" && store.count !== live) {
    logger.warn(
      { shop: run.shopDomain, entity: run.entity, shopify: store.count, recur: live },
      "counts differ after an incremental sync; starting a full sync",
    );
    await enqueueJob(
      pool,
      "sync.start",
      { shopId: run.shopId, kind: "full", entity: run.entity },
      {
        jobKey: `sync-start:${run.shopId}:${run.entity}`,
        maxAttempts: 3,
      },
    );
  }
}

/**
 * The sync.ingest job: streams the run's result (or partial result) into Recur's tables, holding
 * one of the cluster's ingest slots (docs/decisions/036); with none free it queues itself again.
 */
export async function ingestRun(runId: number): Promise<IngestCounts | "waiting" | undefined> {
  const run = await findRun(pool, runId);
  if (!run || run.status !== "running") return undefined;
  if (run.shopState !== "installed") {
    await finishRun(pool, run.id, {
      status: "canceled",
      errorMessage: "The shop uninstalled Recur",
    });
    return undefined;
  }
  const client = await pool.connect();
  let slot: number | undefined;
  let broken = false;
  try {
    slot = await takeIngestSlot(client, env.SYNC_INGEST_CONCURRENCY);
    if (slot === undefined) {
      await enqueueIngest(pool, run, new Date(Date.now() + SLOT_WAIT_MS));
      return "waiting";
    }
    return await ingestWithSlot(client, run);
  } finally {
    if (slot !== undefined) {
      // A connection that cannot give its lock back is closed, which gives it back.
      await releaseIngestSlot(client, slot).catch(() => (broken = true));
      await wakeWaitingIngests(pool).catch(() => {});
    }
    client.release(broken);
  }
}

async function ingestWithSlot(
  client: pg.PoolClient,
  run: SyncRunRow,
): Promise<IngestCounts | undefined> {
  const operation = await readBulkOperation(run);
  if (!operation) {
    await endUnknownRun(pool, run);
    return undefined;
  }
  const url = operation.url ?? operation.partialDataUrl;
  if (!url) {
    await finishRun(pool, run.id, outcomeOf(operation, false));
    return undefined;
  }
  const partial = !operation.url;
  const refused = async (error: ResultRefused) => {
    logger.warn(
      { shop: run.shopDomain, syncRunId: run.id, url: describeUrl(url), reason: error.message },
      "the bulk result was refused",
    );
    await finishRun(pool, run.id, {
      status: "failed",
      errorCode: error.code,
      errorMessage: `Recur did not ingest the bulk result: ${error.message}`,
      partial,
    });
    return undefined;
  };
  let body: AsyncIterable<Uint8Array>;
  try {
    body = await openBulkResult(url);
  } catch (error) {
    if (error instanceof ResultRefused) return refused(error);
    throw error;
  }
  const complete = operation.status === "COMPLETED" && !partial;
  let counts: IngestCounts;
  try {
    counts = await ingestBulkResult(client, body, {
      shopId: run.shopId,
      entity: run.entity,
      snapshotAt: operation.createdAt,
      absentMeansDeletedAt:
        complete && run.kind === "full"
          ? (operation.completedAt ?? new Date().toISOString())
          : undefined,
      onProgress: (progress) => recordCounts(pool, run.id, progress),
    });
  } catch (error) {
    // Refused mid-stream (too large): nothing was applied yet, staging is per connection.
    if (error instanceof ResultRefused) return refused(error);
    throw error;
  }
  await recordCounts(pool, run.id, counts);
  const outcome = outcomeOf(operation, partial);
  if (counts.rejected > 0) {
    const rejected = `${counts.rejected} line(s) could not be read: ${counts.rejections.join(" | ")}`;
    outcome.errorMessage = outcome.errorMessage ? `${outcome.errorMessage}. ${rejected}` : rejected;
  }
  const finished = await finishRun(pool, run.id, outcome);
  // Scores follow the copy: a full run after every completed full sync, and after an
  // incremental one that changed rows (bulk writes rescore no single customer).
  if (
    finished &&
    complete &&
    (run.kind === "full" || counts.written > 0) &&
    outcome.status === "completed"
  ) {
    await enqueueShopScoring(pool, run.shopId);
  }
  if (complete && run.kind === "incremental") await checkCounts(run);
  logger.info(
    {
      shop: run.shopDomain,
      syncRunId: run.id,
      entity: run.entity,
      ...counts,
      rejections: undefined,
    },
    "bulk result ingested",
  );
  return counts;
}
