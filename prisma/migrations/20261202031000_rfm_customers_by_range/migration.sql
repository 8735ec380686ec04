-- RFM full scoring, rule set v1: a shop's customers read by ranges of their ids, so that
-- PostgreSQL may read the ranges side by side, each in a parallel worker (docs/decisions/071).
-- Written by hand: Prisma's schema language has no functions.

-- The boundary `part` of `parts` ranges of the shop's customer ids: 0 for part 0, 10^20 (above
-- every numeric(20,0) id) for the last, between them an even split of the shop's lowest to highest
-- customer id (0 when the shop has none). Non-decreasing in `part`, so ranges [bound(p),
-- bound(p + 1)) for p = 0 .. parts - 1 hold every id exactly once, whatever the ids are: the split
-- decides only how evenly the work is shared.
CREATE FUNCTION recur_rfm_customer_bound(bound_shop integer, part integer, parts integer)
RETURNS numeric
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
  SELECT CASE
           WHEN part <= 0 THEN 0
           WHEN part >= parts THEN 1e20
           ELSE coalesce(min(shopify_id) + floor(part * (max(shopify_id) - min(shopify_id) + 1)
                                                 / parts), 0)
         END
  FROM customers WHERE shop_id = bound_shop
$$;

-- Parameters are named apart from every column the body reads (customer_rfm_scores has an
-- as_of): a column of the same name would win.
-- Range `part` of `parts` of score-shop.sql's first pass, the customers with ids from
-- recur_rfm_customer_bound(part) up to (not including) recur_rfm_customer_bound(part + 1), in
-- customer order:
-- every live customer with their eligible orders' values (frequency null for PROSPECTS), side by
-- side with their stored row (null for a customer not stored yet); a stored row whose customer is
-- no longer live comes with customer values null (is_gone). Eligible orders: live, not cancelled,
-- not test, not voided, of a customer (guests are not scored), read in customer order from
-- orders_rfm_eligible_idx (docs/decisions/061). Amount: the current total, after refunds and
-- edits. Live customers: read from customers_rfm_live_idx (its predicate is this WHERE clause
-- word for word).
-- STRICT (its arguments are never null) keeps PostgreSQL from inlining it: inlined, the planner
-- parallelised each range's scans on its own (a Gather per range) rather than running whole
-- ranges side by side. COST tells the planner what it cannot see inside: each call reads a share
-- of the shop's orders, customers and stored rows (the planner's default for a function is 100
-- operators), so one Gather over the ranges is worth its workers; ROWS is the share of a 1M shop.
CREATE FUNCTION recur_rfm_v1_customers(scored_shop integer, scored_as_of timestamptz,
                                       part integer, parts integer)
RETURNS TABLE (customer numeric, last_at timestamptz, frequency integer, monetary numeric,
               recency_days integer, is_gone boolean, is_new boolean,
               stored_last_at timestamptz, stored_frequency integer, stored_monetary numeric,
               stored_r smallint, stored_f smallint, stored_m smallint, stored_fm smallint,
               previous_segment text, stored_rule_set text)
LANGUAGE sql STABLE STRICT PARALLEL SAFE COST 100000000 ROWS 170000
AS $$
  SELECT coalesce(c.customer, p.customer_shopify_id),
         c.last_at, c.frequency, c.monetary,
         CASE WHEN c.frequency IS NOT NULL THEN
           greatest(0, floor(extract(epoch FROM (scored_as_of - c.last_at)) / 86400))::int
         END,
         c.customer IS NULL, p.customer_shopify_id IS NULL,
         p.last_order_at, p.frequency, p.monetary, p.r, p.f, p.m, p.fm, p.segment, p.rule_set
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
$$;
