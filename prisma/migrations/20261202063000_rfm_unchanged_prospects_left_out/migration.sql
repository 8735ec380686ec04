-- RFM full scoring, rule set v1: the per-customer pass of each range leaves out the prospects
-- whose stored row is already an empty PROSPECTS row, and compares the stored values itself, so
-- that the leader of the parallel statement receives and handles fewer and narrower rows
-- (docs/decisions/078). The range bounds (recur_rfm_customer_bound) are unchanged.
-- Written by hand: Prisma's schema language has no functions.

DROP FUNCTION recur_rfm_v1_customers(integer, timestamptz, integer, integer);

-- Parameters are named apart from every column the body reads (customer_rfm_scores has an
-- as_of): a column of the same name would win.
-- Range `part` of `parts` of score-shop.sql's first pass, the customers with ids from
-- recur_rfm_customer_bound(part) up to (not including) recur_rfm_customer_bound(part + 1), in
-- customer order:
-- every live customer with their eligible orders' values (frequency null for PROSPECTS), side by
-- side with their stored row's scores and segment (null for a customer not stored yet), and
-- stored_differs when the stored values (the last eligible order's time, frequency, monetary) or
-- rule set are not these; a stored row whose customer is no longer live comes with customer
-- values null (is_gone). Eligible orders: live, not cancelled, not test, not voided, of a
-- customer (guests are not scored), read in customer order from orders_rfm_eligible_idx
-- (docs/decisions/061). Amount: the current total, after refunds and edits. Live customers: read
-- from customers_rfm_live_idx (its predicate is this WHERE clause word for word).
-- STRICT (its arguments are never null) keeps PostgreSQL from inlining it: inlined, the planner
-- parallelised each range's scans on its own (a Gather per range) rather than running whole
-- ranges side by side. COST tells the planner what it cannot see inside: each call reads a share
-- of the shop's orders, customers and stored rows (the planner's default for a function is 100
-- operators), so one Gather over the ranges is worth its workers; ROWS is the share of a 1M shop.
CREATE FUNCTION recur_rfm_v1_customers(scored_shop integer, scored_as_of timestamptz,
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
        AND o.deleted_at IS NULL AND o.shopify_updated_at IS NOT NULL
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
