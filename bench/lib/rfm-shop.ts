/**
 * The RFM benchmarks' shop: `customers` customers and `orders` orders, skewed like a store (most
 * customers buy once, a few very often, 10% guest orders, refunds, cancellations, test and voided
 * orders over three years), the same every run.
 */
import type pg from "pg";

export async function seedRfmBenchShop(
  pool: pg.Pool,
  shopId: number,
  customers: number,
  orders: number,
): Promise<void> {
  await pool.query(
    `INSERT INTO customers (shop_id, shopify_id, email, shopify_created_at, shopify_updated_at)
     SELECT $1, n, 'c' || n || '@example.com', timestamptz '2023-01-01', timestamptz '2023-01-02'
     FROM generate_series(1, $2::int) AS n`,
    [shopId, customers],
  );
  // Customer of order n: power(u, 3) crowds orders onto a few customers; u from a hash of n, so
  // the shop is the same every run.
  await pool.query(
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
  await pool.query("VACUUM ANALYZE customers, orders");
}
