/**
 * The apply side of a bulk ingest: staged rows written through the guarded upsert (the one
 * webhooks use), one transaction per chunk, and the rows a complete full snapshot no longer has
 * tombstoned. Everything here runs in PostgreSQL: Node holds at most one chunk's returned ids.
 */
import type pg from "pg";
import { withTransaction } from "../../db.server.ts";
import { upsertStagedCustomers, upsertStagedOrders } from "../db/guarded-upsert.server.ts";
import type { SyncEntity } from "./bulk-queries.ts";
import { partitionSql } from "./partitions.ts";
import { STAGED } from "./staging.server.ts";

/** Line items whose order is not in the file: how many, and the first few (line, ids). */
export async function orphanLineItems(
  client: pg.PoolClient,
): Promise<{ count: number; examples: { line: number; id: string; orderId: string }[] }> {
  await client.query(
    `CREATE INDEX ON ${STAGED.lineItems} (order_shopify_id); ANALYZE ${STAGED.lineItems}`,
  );
  const orphans = `FROM ${STAGED.lineItems} li WHERE NOT EXISTS
    (SELECT 1 FROM ${STAGED.orders} o WHERE o.shopify_id = li.order_shopify_id)`;
  const { rows } = await client.query<{ orphans: number }>(
    `SELECT count(*)::int AS orphans ${orphans}`,
  );
  const count = rows[0]!.orphans;
  if (count === 0) return { count, examples: [] };
  const { rows: examples } = await client.query<{ line: number; id: string; order_id: string }>(
    `SELECT li.line, li.shopify_id::text AS id, li.order_shopify_id::text AS order_id ${orphans}
     ORDER BY li.line LIMIT 5`,
  );
  return {
    count,
    examples: examples.map((e) => ({ line: e.line, id: e.id, orderId: e.order_id })),
  };
}

/**
 * One chunk of staged rows (`seq` in (fromSeq, toSeq]) through the guarded upsert, in one
 * transaction: an order and its line items are written together. Returns the ids written.
 */
export async function applyChunk(
  client: pg.PoolClient,
  shopId: number,
  entity: SyncEntity,
  range: { fromSeq: number; toSeq: number },
): Promise<string[]> {
  // On the ingest's own connection, which holds the staging tables.
  return withTransaction(client, (chunk) =>
    entity === "customers"
      ? upsertStagedCustomers(chunk, shopId, { table: STAGED.customers, ...range })
      : upsertStagedOrders(chunk, shopId, {
          orders: STAGED.orders,
          lineItems: STAGED.lineItems,
          ...range,
        }),
  );
}

/** The tables an entity's apply writes. */
const WRITTEN: Record<SyncEntity, string[]> = {
  customers: ["customers"],
  orders: ["orders", "order_line_items"],
};

/** The least growth, in pages (8 kB each), that has a written table analyzed again. */
export const STATISTICS_MIN_GROWTH_PAGES = 64;

/**
 * Refreshes the planner's statistics of the tables the apply writes once they have more than
 * doubled (and grown by `minGrowthPages`) since their statistics were taken (docs/decisions/062).
 * A first sync into a new database, or a shop far larger than every other, grows its tables faster
 * than autovacuum analyzes them; planned with statistics of a table a fraction of its size (or
 * with none: PostgreSQL then guesses 0.5 % of the rows per shop), the line-item replacement read
 * every line item of the shop for each chunk instead of the chunk's orders' own, so the apply grew
 * with the square of the shop. Doubling bounds the ANALYZEs to a few per sync (each samples at most
 * 30,000 rows); SKIP_LOCKED leaves a table that autovacuum is working on to autovacuum. Returns the
 * tables analyzed.
 */
export async function refreshStatistics(
  client: pg.PoolClient,
  entity: SyncEntity,
  minGrowthPages = STATISTICS_MIN_GROWTH_PAGES,
): Promise<string[]> {
  const { rows } = await client.query<{ table: string }>(
    `SELECT c.relname AS table FROM pg_class c
     WHERE c.oid = ANY($1::regclass[])
       AND pg_relation_size(c.oid) / current_setting('block_size')::int
         > 2 * greatest(c.relpages, 0) + $2`,
    [WRITTEN[entity], minGrowthPages],
  );
  for (const { table } of rows) await client.query(`ANALYZE (SKIP_LOCKED) ${table}`);
  return rows.map((row) => row.table);
}

/**
 * Tombstones live rows of the shop that a full snapshot does not hold, when their stored version
 * predates the snapshot (a row created or changed by a webhook during the run is not touched). An
 * order's line items go with it. One statement, so no list of ids passes through Node, however
 * many rows the shop deleted. Only the rows of this connection's partition are looked at
 * (partitions.ts): their ids, had the file held them, were staged here and nowhere else.
 */
export async function tombstoneAbsent(
  client: pg.PoolClient,
  shopId: number,
  entity: SyncEntity,
  {
    snapshotAt,
    deletedAt,
    partition,
  }: { snapshotAt: string; deletedAt: string; partition: { index: number; count: number } },
): Promise<number> {
  const staged = entity === "customers" ? STAGED.customers : STAGED.orders;
  const tombstoned = `UPDATE ${entity} AS r SET deleted_at = $3, synced_at = now()
       WHERE r.shop_id = $1 AND r.deleted_at IS NULL AND r.shopify_updated_at < $2
         AND ${partitionSql("r.shopify_id", "$4::int", "$5::int")}
         AND NOT EXISTS (SELECT 1 FROM ${staged} s WHERE s.shopify_id = r.shopify_id)
       RETURNING r.shopify_id`;
  const sql =
    entity === "orders"
      ? `WITH tombstoned AS (${tombstoned}),
           line_items AS (DELETE FROM order_line_items li USING tombstoned t
             WHERE li.shop_id = $1 AND li.order_shopify_id = t.shopify_id)
         SELECT count(*)::int AS count FROM tombstoned`
      : `WITH tombstoned AS (${tombstoned}) SELECT count(*)::int AS count FROM tombstoned`;
  const { rows } = await client.query<{ count: number }>(sql, [
    shopId,
    snapshotAt,
    deletedAt,
    partition.count,
    partition.index,
  ]);
  return rows[0]!.count;
}
