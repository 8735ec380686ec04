-- Order updates can be heap-only (HOT) (docs/decisions/076): no index of orders names
-- shopify_updated_at, which every update changes, and each page keeps room for new versions.
-- A HOT update writes no index entry; a non-HOT one wrote one into each of the table's eight
-- indexes, its trigram index among them.

-- A row Shopify has never described (no updated_at) is a tombstone (deleted_at) or a redaction's
-- placeholder (no customer): so a live row with a customer is one Shopify described, and RFM's
-- eligible orders need not ask for shopify_updated_at (the webhook and bulk records require it).
ALTER TABLE "orders" ADD CONSTRAINT "orders_live_with_customer_described"
  CHECK ("shopify_updated_at" IS NOT NULL OR "deleted_at" IS NOT NULL OR "customer_shopify_id" IS NULL);

-- Served nothing the primary key (shop_id first) does not: the full sync's tombstoning of the
-- rows it did not see reads every live row of the shop, nearly all of them older than its snapshot.
-- DropIndex
DROP INDEX "orders_shop_id_shopify_updated_at_idx";

-- RFM's eligible orders (docs/decisions/061), as before but without shopify_updated_at in the
-- predicate, which the check above makes implied; score-shop's and rescore-customer's WHERE
-- clauses say the same, word for word.
DROP INDEX "orders_rfm_eligible_idx";
CREATE INDEX "orders_rfm_eligible_idx" ON "orders" ("shop_id", "customer_shopify_id")
  INCLUDE ("processed_at", "shopify_created_at", "current_total_price")
  WHERE "deleted_at" IS NULL
    AND "customer_shopify_id" IS NOT NULL AND "cancelled_at" IS NULL AND "test" IS NOT TRUE
    AND "financial_status" IS DISTINCT FROM 'VOIDED';

-- recur_rfm_v1_customers as prisma/migrations/20261202063000_rfm_unchanged_prospects_left_out
-- made it, with the eligible orders' WHERE clause of the index above; nothing else changes. (This
-- migration comes after that one so that it amends the function that migration made.)
CREATE OR REPLACE FUNCTION recur_rfm_v1_customers(scored_shop integer, scored_as_of timestamptz,
                                       part integer, parts integer)
RETURNS TABLE (customer numeric, last_at timestamptz, frequency integer, monetary numeric,
               recency_days integer, is_gone boolean, is_new boolean,
               stored_differs boolean,
               stored_r smallint, stored_f smallint, stored_m smallint, stored_fm smallint,
               previous_segment text)
LANGUAGE sql STABLE STRICT PARALLEL SAFE COST 100000000 ROWS 170000
AS $$
  SELECT coalesce(c.customer, p.customer_shopify_id),
         c.last_at, c.frequency, c.monetary,
         CASE WHEN c.frequency IS NOT NULL THEN
           greatest(0, floor(extract(epoch FROM (scored_as_of - c.last_at)) / 86400))::int
         END,
         c.customer IS NULL, p.customer_shopify_id IS NULL,
         (p.last_order_at, p.frequency, p.monetary, p.rule_set)
           IS DISTINCT FROM (c.last_at, c.frequency, c.monetary, 'v1'),
         p.r, p.f, p.m, p.fm, p.segment
  FROM (
    SELECT cu.shopify_id AS customer, e.last_at, e.frequency, e.monetary
    FROM customers cu
    LEFT JOIN (
      SELECT o.customer_shopify_id AS customer,
             max(coalesce(o.processed_at, o.shopify_created_at)) AS last_at,
             count(*)::int AS frequency,
             coalesce(sum(o.current_total_price), 0) AS monetary
      FROM orders o
      WHERE o.shop_id = scored_shop
        AND o.customer_shopify_id >= recur_rfm_customer_bound(scored_shop, part, parts)
        AND o.customer_shopify_id < recur_rfm_customer_bound(scored_shop, part + 1, parts)
        AND o.deleted_at IS NULL
        AND o.customer_shopify_id IS NOT NULL
        AND o.cancelled_at IS NULL
        AND o.test IS NOT TRUE
        AND o.financial_status IS DISTINCT FROM 'VOIDED'
        AND coalesce(o.processed_at, o.shopify_created_at) IS NOT NULL
      GROUP BY o.customer_shopify_id
    ) e ON e.customer = cu.shopify_id
    WHERE cu.shop_id = scored_shop
      AND cu.shopify_id >= recur_rfm_customer_bound(scored_shop, part, parts)
      AND cu.shopify_id < recur_rfm_customer_bound(scored_shop, part + 1, parts)
      AND cu.deleted_at IS NULL AND cu.shopify_updated_at IS NOT NULL AND cu.redacted_at IS NULL
  ) c
  FULL JOIN (
    SELECT * FROM customer_rfm_scores
    WHERE shop_id = scored_shop
      AND customer_shopify_id >= recur_rfm_customer_bound(scored_shop, part, parts)
      AND customer_shopify_id < recur_rfm_customer_bound(scored_shop, part + 1, parts)
  ) p ON p.customer_shopify_id = c.customer
  -- A live customer without an eligible order whose stored row already says PROSPECTS, with
  -- nothing in it, has nothing to score and nothing to write: left out. score-shop.sql counts
  -- the prospects from the live customers instead.
  WHERE NOT (c.customer IS NOT NULL AND c.frequency IS NULL AND p.customer_shopify_id IS NOT NULL
             AND p.segment = 'PROSPECTS' AND p.rule_set = 'v1' AND p.frequency IS NULL
             AND p.last_order_at IS NULL AND p.monetary IS NULL AND p.r IS NULL AND p.f IS NULL
             AND p.m IS NULL AND p.fm IS NULL)
$$;
