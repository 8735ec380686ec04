/**
 * The sync.ingest job: a finished run's result (or partial result) streamed into Recur's tables
 * under one of the cluster's ingest slots (docs/decisions/036), and the run ended with its counts.
 */
import type pg from "pg";
import { pool, type Queryable } from "../../db.server.ts";
import { env } from "../../env.server.ts";
import { enqueueJob } from "../queue/enqueue.server.ts";
import { logger } from "../../logger.server.ts";
import { enqueueShopScoring } from "../rfm/jobs.server.ts";
import { adminApiFor } from "../shopify/admin-api.server.ts";
import { STORE_COUNTS, type StoreCounts } from "../shopify/graphql-operations.ts";
import { endUnknownRun, outcomeOf, readBulkOperation } from "./bulk-operation.server.ts";
import { describeUrl, openBulkResult, ResultRefused } from "./download.server.ts";
import {
  enqueueIngest,
  releaseIngestSlot,
  SLOT_WAIT_MS,
  takeIngestSlot,
  wakeWaitingIngests,
} from "./ingest-slots.server.ts";
import { ingestBulkResult, type IngestCounts } from "./ingest.server.ts";
import { finishRun, findRun, type SyncRunRow } from "./runs.server.ts";

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
