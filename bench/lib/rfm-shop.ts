/**
 * The RFM benchmarks' shop: `customers` customers and `orders` orders, skewed like a store (a long
 * tail of customers who bought once or never, a few who buy very often, 10% guest orders, refunds,
 * cancellations, test and voided orders over three years, so that many customers have lapsed), the
 * same every run.
 *
 * Loaded the way PostgreSQL's manual advises for a bulk load ("Populating a Database"): the
 * tables' secondary indexes and foreign keys are dropped, the rows are written by one set-based
 * INSERT ... SELECT each, and the indexes and keys are made again afterwards (an index built by one
 * sort, a key checked by one join, instead of 5,000,000 random index insertions and 5,000,000
 * per-row key checks). Only for a benchmark's own throwaway database: nothing else may use the
 * tables meanwhile.
 */
import type pg from "pg";

const TABLES = ["customers", "orders"];

/** The definitions of the tables' secondary indexes and foreign keys, to drop and make again. */
async function secondaryStructures(client: pg.PoolClient) {
  const indexes = await client.query<{ name: string; definition: string }>(
    `SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS definition
     FROM pg_index i
     WHERE i.indrelid = ANY($1::regclass[])
       AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)`,
    [TABLES],
  );
  const keys = await client.query<{ name: string; table: string; definition: string }>(
    `SELECT conname AS name, conrelid::regclass::text AS table,
            pg_get_constraintdef(oid) AS definition
     FROM pg_constraint WHERE contype = 'f' AND conrelid = ANY($1::regclass[])`,
    [TABLES],
  );
  return { indexes: indexes.rows, keys: keys.rows };
}

export async function seedRfmBenchShop(
  pool: pg.Pool,
  shopId: number,
  customers: number,
  orders: number,
): Promise<void> {
  const client = await pool.connect();
  try {
    const { indexes, keys } = await secondaryStructures(client);
    for (const key of keys) {
      await client.query(`ALTER TABLE ${key.table} DROP CONSTRAINT "${key.name}"`);
    }
    for (const index of indexes) await client.query(`DROP INDEX ${index.name}`);

    await client.query(
      `INSERT INTO customers (shop_id, shopify_id, email, shopify_created_at, shopify_updated_at)
       SELECT $1, n, 'c' || n || '@example.com', timestamptz '2023-01-01',
              timestamptz '2023-01-02'
       FROM generate_series(1, $2::int) AS n`,
      [shopId, customers],
    );
    // Customer of order n: power(u, 3) crowds orders onto a few customers (customer k of N
    // expects about 1.5 × (k / N)^(-2/3) orders at 5 orders per customer: the last ones one or
    // none, the first hundreds each); u from a hash of n, so the shop is the same every run.
    // Times spread evenly over three years, so a customer's last order is as likely old as new.
    await client.query(
      `INSERT INTO orders (shop_id, shopify_id, customer_shopify_id, shopify_created_at,
         processed_at, cancelled_at, financial_status, test, total_price, current_total_price,
         shopify_updated_at)
       SELECT $1, 10000000 + n,
         CASE WHEN h % 10 = 0 THEN NULL
              ELSE 1 + floor($2::int * power((h % 1000003) / 1000003.0, 3))::bigint END,
         at, at,
         CASE WHEN h % 33 = 1 THEN at END,
         CASE WHEN h % 29 = 2 THEN 'REFUNDED' WHEN h % 97 = 3 THEN 'VOIDED' ELSE 'PAID' END,
         h % 211 = 4,
         price, CASE WHEN h % 29 = 2 THEN 0 ELSE price END,
         at
       FROM (
         SELECT n, h,
           timestamptz '2026-11-01' - (h % (3 * 365 * 86400)) * interval '1 second' AS at,
           round(((h / 7) % 30000) / 100.0 + 5, 2) AS price
         FROM (SELECT n, abs(hashint8(n::bigint)) AS h FROM generate_series(1, $3::int) AS n) x
       ) o`,
      [shopId, customers, orders],
    );

    await client.query("SET maintenance_work_mem = '256MB'");
    for (const index of indexes) await client.query(index.definition);
    for (const key of keys) {
      await client.query(`ALTER TABLE ${key.table} ADD CONSTRAINT "${key.name}" ${key.definition}`);
    }
    await client.query("RESET maintenance_work_mem");
    await client.query("VACUUM ANALYZE customers, orders");
  } finally {
    client.release();
  }
}
