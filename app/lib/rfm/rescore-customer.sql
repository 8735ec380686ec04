-- Rescores one customer (docs/rfm.md, "Incremental"), in one statement: recomputes their values
-- now and places them against the breakpoints of the shop's last full run, as if they had been
-- scored in it (recency is measured to that run's as_of for the scores). Writes the row, with as_of
-- now, only if its stored values (the last eligible order's time, frequency, monetary), scores or
-- segment changed: the view customer_rfm then measures its recency_days to now, and to the shop's
-- clock otherwise (docs/decisions/060). Records a segment change, and deletes the row of a customer
-- no longer live. Nothing is scored before the shop's first full run.
--
-- $1 shop id, $2 customer id, $3 now (timestamptz). The caller holds the shop's RFM advisory lock.
WITH run AS (
  SELECT rule_set, as_of, recency_breakpoints, frequency_breakpoints, monetary_breakpoints
  FROM rfm_runs WHERE shop_id = $1 ORDER BY id DESC LIMIT 1
),
customer AS (
  SELECT c.shopify_id
  FROM customers c
  WHERE c.shop_id = $1 AND c.shopify_id = $2
    AND c.deleted_at IS NULL AND c.shopify_updated_at IS NOT NULL AND c.redacted_at IS NULL
),
eligible AS (
  -- The same eligible orders as score-shop.sql, of this customer.
  SELECT coalesce(o.processed_at, o.shopify_created_at) AS placed_at,
         o.current_total_price AS amount
  FROM orders o
  WHERE o.shop_id = $1 AND o.customer_shopify_id = $2
    AND o.deleted_at IS NULL
    AND o.cancelled_at IS NULL
    AND o.test IS NOT TRUE
    AND o.financial_status IS DISTINCT FROM 'VOIDED'
    AND coalesce(o.processed_at, o.shopify_created_at) IS NOT NULL
),
totals AS (
  SELECT max(placed_at) AS last_at, count(*)::int AS frequency,
         coalesce(sum(amount), 0) AS monetary
  FROM eligible
),
valued AS (
  SELECT customer.shopify_id AS customer, run.*,
         nullif(t.frequency, 0) AS frequency,
         CASE WHEN t.frequency > 0 THEN t.monetary END AS monetary,
         t.last_at,
         greatest(0, floor(extract(epoch FROM (run.as_of - t.last_at)) / 86400))::int
           AS recency_at_run
  FROM customer, run, totals t
),
scored AS (
  -- 1 + the breakpoints the value beats: the score the full run would have given it.
  SELECT v.customer, v.rule_set, v.last_at, v.frequency, v.monetary,
         CASE WHEN v.frequency IS NOT NULL THEN (1 + (SELECT count(*)
           FROM unnest(v.recency_breakpoints) b WHERE v.recency_at_run < b))::smallint END AS r,
         CASE WHEN v.frequency IS NOT NULL THEN (1 + (SELECT count(*)
           FROM unnest(v.frequency_breakpoints) b WHERE v.frequency > b))::smallint END AS f,
         CASE WHEN v.frequency IS NOT NULL THEN (1 + (SELECT count(*)
           FROM unnest(v.monetary_breakpoints) b WHERE v.monetary > b))::smallint END AS m
  FROM valued v
),
computed AS (
  SELECT s.customer, s.rule_set, s.last_at, s.frequency, s.monetary, s.r, s.f, s.m,
         ((s.f + s.m + 1) / 2)::smallint AS fm,
         CASE WHEN s.frequency IS NULL THEN 'PROSPECTS' ELSE g.segment END AS segment
  FROM scored s
  LEFT JOIN rfm_segment_grid g
    ON g.rule_set = s.rule_set AND g.r = s.r AND g.fm = (s.f + s.m + 1) / 2
),
previous AS (
  SELECT segment FROM customer_rfm_scores WHERE shop_id = $1 AND customer_shopify_id = $2
),
written AS (
  INSERT INTO customer_rfm_scores AS existing (shop_id, customer_shopify_id, as_of,
    last_order_at, frequency, monetary, r, f, m, fm, segment, rule_set, updated_at)
  SELECT $1, customer, $3::timestamptz, last_at, frequency, monetary, r, f, m, fm, segment,
         rule_set, now()
  FROM computed
  ON CONFLICT (shop_id, customer_shopify_id) DO UPDATE SET
    as_of = EXCLUDED.as_of, last_order_at = EXCLUDED.last_order_at,
    frequency = EXCLUDED.frequency, monetary = EXCLUDED.monetary,
    r = EXCLUDED.r, f = EXCLUDED.f, m = EXCLUDED.m, fm = EXCLUDED.fm,
    segment = EXCLUDED.segment, rule_set = EXCLUDED.rule_set, updated_at = now()
  WHERE (existing.last_order_at, existing.frequency, existing.monetary, existing.r, existing.f,
         existing.m, existing.fm, existing.segment, existing.rule_set)
    IS DISTINCT FROM (EXCLUDED.last_order_at, EXCLUDED.frequency, EXCLUDED.monetary, EXCLUDED.r,
         EXCLUDED.f, EXCLUDED.m, EXCLUDED.fm, EXCLUDED.segment, EXCLUDED.rule_set)
  RETURNING 1
),
removed AS (
  DELETE FROM customer_rfm_scores
  WHERE shop_id = $1 AND customer_shopify_id = $2 AND NOT EXISTS (SELECT 1 FROM customer)
  RETURNING 1
),
changes AS (
  INSERT INTO rfm_segment_changes (shop_id, customer_shopify_id, from_segment, to_segment,
    changed_at, rule_set)
  SELECT $1, c.customer, (SELECT segment FROM previous), c.segment, $3::timestamptz, c.rule_set
  FROM computed c
  WHERE (SELECT segment FROM previous) IS DISTINCT FROM c.segment
  RETURNING from_segment, to_segment
)
SELECT EXISTS (SELECT 1 FROM run) AS scored_before,
       (SELECT count(*)::int FROM written) AS written,
       (SELECT count(*)::int FROM removed) AS removed,
       (SELECT to_segment FROM changes) AS moved_to,
       (SELECT from_segment FROM changes) AS moved_from
