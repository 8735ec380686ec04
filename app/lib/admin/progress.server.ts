/**
 * How far a running sync has come, against what the store holds: Shopify's count of the objects the
 * run reads (STORE_COUNTS for a full run, the run's own search for an incremental one) and the bulk
 * operation's count of the objects it exported so far. Read live through the merchant's session.
 */
import { logger } from "../../logger.server.ts";
import { STORE_COUNTS, type StoreCounts } from "../shopify/operations.ts";
import type { SyncEntity } from "../sync/bulk-queries.ts";
import type { SyncKind } from "../sync/runs.server.ts";
import type { AdminContext } from "./context.server.ts";
import {
  ADMIN_BULK_PROGRESS,
  ADMIN_CUSTOMERS_MATCHING,
  ADMIN_ORDERS_MATCHING,
  type BulkProgress,
  type MatchingCount,
} from "./operations.ts";
import type { RunningRun } from "./overview.server.ts";

type Admin = AdminContext["admin"];

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
