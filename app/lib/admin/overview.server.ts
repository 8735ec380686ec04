/**
 * The overview's read model: per entity, what Recur holds against what the store holds and its last
 * completed sync; the sync in progress (progress.server.ts, which the overview also polls); webhook
 * health over the last 24 hours; the shop's queue depth; what needs the merchant; and the two
 * charts' series. Every statement names the shop.
 */
import type { Queryable } from "../../db.server.ts";
import type { SyncEntity } from "../sync/bulk-queries.ts";
import { SYNC_ENTITIES } from "../sync/request.server.ts";
import type { SyncKind } from "../sync/runs.server.ts";
import { canReadAllOrders, type AdminContext } from "./context.server.ts";
import { readStoreCounts, readSyncActivity } from "./progress.server.ts";
import { liveRow } from "../db/records.ts";

/** Everything the overview shows, read at once. */
export async function readOverview(
  db: Queryable,
  { shop, admin, session }: Pick<AdminContext, "shop" | "admin" | "session">,
) {
  const storeCounts = readStoreCounts(admin);
  const [activity, entities, health, queue, perDay, throughput, counts] = await Promise.all([
    readSyncActivity(db, admin, shop.id, storeCounts),
    entityStatuses(db, shop.id),
    webhookHealth(db, shop.domain),
    deliveryQueue(db, shop.domain),
    ordersPerDay(db, shop.id),
    syncThroughput(db, shop.id),
    storeCounts,
  ]);
  return {
    ...activity,
    shop: shop.domain,
    entities,
    /** The store's own counts (Shopify's), or null when Shopify could not answer now. */
    store: counts
      ? {
          customers: counts.customersCount.count,
          orders: counts.ordersCount.count,
          exact:
            counts.customersCount.precision === "EXACT" && counts.ordersCount.precision === "EXACT",
        }
      : null,
    health,
    queue,
    canReadAllOrders: canReadAllOrders(session.scope),
    charts: { ordersPerDay: perDay, throughput },
  };
}

export type Overview = Awaited<ReturnType<typeof readOverview>>;

export interface CompletedRun {
  id: number;
  kind: SyncKind;
  startedAt: Date;
  finishedAt: Date;
  durationSeconds: number;
  rowsWritten: number;
  rowsSkipped: number;
}

export interface FinishedRun {
  id: number;
  kind: SyncKind;
  status: "completed" | "failed" | "canceled";
  errorMessage: string | null;
  finishedAt: Date | null;
}

export interface EntityStatus {
  entity: SyncEntity;
  /** Live rows in Recur. */
  inRecur: number;
  lastCompleted: CompletedRun | null;
  /** The newest run that ended, whatever its status: a failed one needs the merchant. */
  lastFinished: FinishedRun | null;
}

export async function entityStatuses(db: Queryable, shopId: number): Promise<EntityStatus[]> {
  const { rows: completed } = await db.query<CompletedRun & { entity: SyncEntity }>(
    `SELECT DISTINCT ON (entity) entity::text AS entity, id, kind::text AS kind,
       started_at AS "startedAt", finished_at AS "finishedAt",
       extract(epoch FROM finished_at - started_at)::float8 AS "durationSeconds",
       rows_written AS "rowsWritten", rows_skipped AS "rowsSkipped"
     FROM sync_runs WHERE shop_id = $1 AND status = 'completed'
     ORDER BY entity, id DESC`,
    [shopId],
  );
  const { rows: finished } = await db.query<FinishedRun & { entity: SyncEntity }>(
    `SELECT DISTINCT ON (entity) entity::text AS entity, id, kind::text AS kind,
       status::text AS status, error_message AS "errorMessage", finished_at AS "finishedAt"
     FROM sync_runs WHERE shop_id = $1 AND status <> 'running'
     ORDER BY entity, id DESC`,
    [shopId],
  );
  const { rows: counts } = await db.query<{ customers: number; orders: number }>(
    `SELECT
       (SELECT count(*)::int FROM customers WHERE shop_id = $1 AND ${liveRow()}) AS customers,
       (SELECT count(*)::int FROM orders WHERE shop_id = $1 AND ${liveRow()}) AS orders`,
    [shopId],
  );
  return SYNC_ENTITIES.map((entity) => {
    const last = completed.find((run) => run.entity === entity);
    const ended = finished.find((run) => run.entity === entity);
    return {
      entity,
      inRecur: counts[0]?.[entity] ?? 0,
      lastCompleted: last ? withoutEntity(last) : null,
      lastFinished: ended ? withoutEntity(ended) : null,
    };
  });
}

function withoutEntity<T extends { entity: SyncEntity }>({ entity: _entity, ...rest }: T) {
  return rest;
}

export interface WebhookHealth {
  received: number;
  processed: number;
  ignored: number;
  /** Stale deliveries: older than what Recur stores, so nothing was written. */
  skipped: number;
  deadLetters: number;
  /** From Shopify's X-Shopify-Triggered-At to processed, over the processed deliveries. */
  medianDelaySeconds: number | null;
  p95DelaySeconds: number | null;
}

export async function webhookHealth(db: Queryable, shopDomain: string): Promise<WebhookHealth> {
  const { rows } = await db.query<WebhookHealth>(
    `SELECT count(*)::int AS received,
       count(*) FILTER (WHERE status = 'processed')::int AS processed,
       count(*) FILTER (WHERE status = 'ignored')::int AS ignored,
       count(*) FILTER (WHERE status = 'skipped')::int AS skipped,
       count(*) FILTER (WHERE status = 'dead_letter')::int AS "deadLetters",
       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM processed_at - triggered_at))
         FILTER (WHERE status = 'processed' AND triggered_at IS NOT NULL) AS "medianDelaySeconds",
       percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM processed_at - triggered_at))
         FILTER (WHERE status = 'processed' AND triggered_at IS NOT NULL) AS "p95DelaySeconds"
     FROM webhook_deliveries
     WHERE shop_domain = $1 AND received_at > now() - interval '24 hours'`,
    [shopDomain],
  );
  return rows[0]!;
}

export interface DeliveryQueue {
  waiting: number;
  processing: number;
  /** Dead letters of any age that wait for the merchant to retry them. */
  deadLetters: number;
}

export async function deliveryQueue(db: Queryable, shopDomain: string): Promise<DeliveryQueue> {
  const { rows } = await db.query<DeliveryQueue>(
    `SELECT count(*) FILTER (WHERE status = 'received')::int AS waiting,
       count(*) FILTER (WHERE status = 'processing')::int AS processing,
       count(*) FILTER (WHERE status = 'dead_letter')::int AS "deadLetters"
     FROM webhook_deliveries
     WHERE shop_domain = $1 AND status IN ('received', 'processing', 'dead_letter')`,
    [shopDomain],
  );
  return rows[0]!;
}

export interface DayCount {
  day: string;
  orders: number;
}

/** Orders created per UTC day over the last 90 days, days without orders included. */
export async function ordersPerDay(db: Queryable, shopId: number): Promise<DayCount[]> {
  const { rows } = await db.query<DayCount>(
    `WITH days AS (
       SELECT generate_series(
         (now() AT TIME ZONE 'UTC')::date - 89, (now() AT TIME ZONE 'UTC')::date, interval '1 day'
       )::date AS day),
     counts AS (
       SELECT (shopify_created_at AT TIME ZONE 'UTC')::date AS day, count(*)::int AS orders
       FROM orders
       WHERE shop_id = $1
         AND shopify_created_at >= ((now() AT TIME ZONE 'UTC')::date - 89) AT TIME ZONE 'UTC'
         AND ${liveRow()}
       GROUP BY 1)
     SELECT to_char(days.day, 'YYYY-MM-DD') AS day, coalesce(counts.orders, 0) AS orders
     FROM days LEFT JOIN counts USING (day) ORDER BY days.day`,
    [shopId],
  );
  return rows;
}

export interface RunThroughput {
  id: number;
  entity: SyncEntity;
  kind: SyncKind;
  rows: number;
  seconds: number;
  rowsPerSecond: number;
}

/** Rows per second of the shop's last completed runs, start to finish (Shopify's export included). */
export async function syncThroughput(
  db: Queryable,
  shopId: number,
  limit = 12,
): Promise<RunThroughput[]> {
  const { rows } = await db.query<RunThroughput>(
    `SELECT id, entity::text AS entity, kind::text AS kind,
       (rows_written + rows_skipped) AS rows,
       extract(epoch FROM finished_at - started_at)::float8 AS seconds,
       round(((rows_written + rows_skipped)
         / greatest(extract(epoch FROM finished_at - started_at), 0.001))::numeric, 1)::float8
         AS "rowsPerSecond"
     FROM sync_runs
     WHERE shop_id = $1 AND status = 'completed' AND finished_at IS NOT NULL
     ORDER BY id DESC LIMIT $2`,
    [shopId, limit],
  );
  return rows.reverse();
}
