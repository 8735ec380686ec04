/**
 * A sync run's bulk operation as Shopify sees it: reading it, ending a run Shopify no longer knows,
 * and what a finished operation means for its run.
 */
import type { Queryable } from "../../db.server.ts";
import { enqueueJob } from "../queue/enqueue.server.ts";
import { logger } from "../../logger.server.ts";
import { adminApiFor } from "../shopify/admin-api.server.ts";
import { BULK_OPERATION, type BulkOperation } from "../shopify/graphql-operations.ts";
import { finishRun, type RunOutcome, type SyncRunRow } from "./runs.server.ts";

export const TERMINAL = new Set(["COMPLETED", "FAILED", "CANCELED", "EXPIRED"]);

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

export function outcomeOf(operation: BulkOperation, partial: boolean): RunOutcome {
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
