-- Full RFM scoring of one shop at a reference time (docs/rfm.md), first of two statements: reads
-- and computes everything, writes nothing but its result, a temporary table, so that PostgreSQL
-- may run it with parallel workers (a statement with data-modifying CTEs never runs in parallel;
-- CREATE TABLE ... AS may: docs/decisions/071). score-shop-write.sql then writes from that table.
-- It recomputes every live customer's values and scores, compares them with the stored rows
-- (the last eligible order's time, frequency, monetary, scores, segment and rule set; recency_days
-- is not stored: the view customer_rfm derives it on the shop's clock, docs/decisions/060), and
-- keeps only what must be written:
--   kind 'new'     a live customer without a stored row,
--   kind 'changed' a stored row whose values, scores, segment or rule set differ,
--   kind 'gone'    a stored row whose customer is no longer live,
--   kind 'run'     one row: N, the prospects, the breakpoints (what rescore-customer.sql places
--                  single customers against) and every segment's size.
-- An unchanged customer goes no further. How the work is kept down: docs/decisions/053, 061,
-- 068 and 071.
--
-- $1 shop id, $2 as_of (timestamptz), $3 rule set ('v1'), $4 when the run started.
-- The caller holds the shop's RFM lock, and runs both statements in one transaction.
CREATE TEMPORARY TABLE rfm_scoring ON COMMIT DROP AS
WITH per_customer AS MATERIALIZED (
  -- One pass in customer order: every live customer with their eligible orders' values (frequency
  -- null for PROSPECTS), side by side with their stored row (null for a customer not stored yet);
  -- a stored row whose customer is no longer live comes with customer values null (is_gone).
  -- Eligible orders: live, not cancelled, not test, not voided, of a customer (guests are not
  -- scored), read in customer order from orders_rfm_eligible_idx (docs/decisions/061). Amount:
  -- the current total, after refunds and edits. Live customers: read from customers_rfm_live_idx
  -- (its predicate is this WHERE clause word for word), not from the whole customers table.
  SELECT coalesce(c.customer, p.customer_shopify_id) AS customer,
         c.last_at, c.frequency, c.monetary,
         CASE WHEN c.frequency IS NOT NULL THEN
           greatest(0, floor(extract(epoch FROM ($2::timestamptz - c.last_at)) / 86400))::int
         END AS recency_days,
         c.customer IS NULL AS is_gone, p.customer_shopify_id IS NULL AS is_new,
         p.last_order_at AS stored_last_at, p.frequency AS stored_frequency,
         p.monetary AS stored_monetary, p.r AS stored_r, p.f AS stored_f, p.m AS stored_m,
         p.fm AS stored_fm, p.segment AS previous_segment, p.rule_set AS stored_rule_set
  FROM (
    SELECT cu.shopify_id AS customer, e.last_at, e.frequency, e.monetary
    FROM customers cu
    LEFT JOIN (
      SELECT o.customer_shopify_id AS customer,
             max(coalesce(o.processed_at, o.shopify_created_at)) AS last_at,
             count(*)::int AS frequency,
             coalesce(sum(o.current_total_price), 0) AS monetary
      FROM orders o
      WHERE o.shop_id = $1
        AND o.deleted_at IS NULL AND o.shopify_updated_at IS NOT NULL
        AND o.customer_shopify_id IS NOT NULL
        AND o.cancelled_at IS NULL
        AND o.test IS NOT TRUE
        AND o.financial_status IS DISTINCT FROM 'VOIDED'
        AND coalesce(o.processed_at, o.shopify_created_at) IS NOT NULL
      GROUP BY o.customer_shopify_id
    ) e ON e.customer = cu.shopify_id
    WHERE cu.shop_id = $1
      AND cu.deleted_at IS NULL AND cu.shopify_updated_at IS NOT NULL AND cu.redacted_at IS NULL
  ) c
  FULL JOIN (SELECT * FROM customer_rfm_scores WHERE shop_id = $1) p
    ON p.customer_shopify_id = c.customer
),
-- w = customers with a strictly worse value. Scores come from the breakpoints (docs/rfm.md): score
-- s (2..5) needs w >= k_s = ceil((s - 1) * N / 5), so the value to beat for s is the k_s-th value
-- counted from the worst, and a customer's score is 1 plus the breakpoints their value beats: the
-- same score as least(5, 1 + floor(5 * w / N)), found without ranking the customers.
-- Recency and frequency take few distinct values (days, order counts): counted per value.
recency_counts AS (
  SELECT recency_days AS value, count(*) AS customers
  FROM per_customer WHERE frequency IS NOT NULL GROUP BY recency_days
),
frequency_counts AS (
  SELECT frequency AS value, count(*) AS customers
  FROM per_customer WHERE frequency IS NOT NULL GROUP BY frequency
),
total AS (
  SELECT coalesce(sum(customers), 0)::int AS n FROM frequency_counts
),
recency_values AS (
  SELECT value, coalesce(sum(customers) OVER (ORDER BY value DESC
           ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)::bigint AS worse
  FROM recency_counts
),
frequency_values AS (
  SELECT value, coalesce(sum(customers) OVER (ORDER BY value
           ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)::bigint AS worse
  FROM frequency_counts
),
thresholds AS (
  SELECT s, ((s - 1) * n + 4) / 5 AS k
  FROM generate_series(2, 5) AS s, total
  WHERE total.n > 0
),
-- The score of every recency and every frequency value: 1 + the thresholds its w reaches.
recency_scores AS (
  SELECT v.value, (1 + (SELECT count(*) FROM thresholds t WHERE v.worse >= t.k))::smallint AS score
  FROM recency_values v
),
frequency_scores AS (
  SELECT v.value, (1 + (SELECT count(*) FROM thresholds t WHERE v.worse >= t.k))::smallint AS score
  FROM frequency_values v
),
-- Money takes about as many values as there are customers: its k-th smallest values from one
-- sort of the amounts alone (not of the customers' rows).
money AS (
  SELECT array_agg(monetary ORDER BY monetary) AS ascending
  FROM per_customer WHERE frequency IS NOT NULL
),
breakpoints AS (
  -- The k-th value from the worst is the best value with fewer than k worse ones.
  SELECT
    coalesce((SELECT array_agg((SELECT min(rv.value) FROM recency_values rv WHERE rv.worse < t.k)
                               ORDER BY t.s)
              FROM thresholds t), '{}') AS recency,
    coalesce((SELECT array_agg((SELECT max(fv.value) FROM frequency_values fv
                                WHERE fv.worse < t.k) ORDER BY t.s)
              FROM thresholds t), '{}') AS frequency,
    coalesce((SELECT array_agg(money.ascending[t.k] ORDER BY t.s) FROM thresholds t, money),
             '{}') AS monetary
),
money_breakpoints AS (
  SELECT monetary[1] AS m2, monetary[2] AS m3, monetary[3] AS m4, monetary[4] AS m5
  FROM breakpoints
),
computed AS MATERIALIZED (
  SELECT s.*, ((s.f + s.m + 1) / 2)::smallint AS fm,
         -- a missing cell leaves it null, which the NOT NULL column refuses
         CASE WHEN s.frequency IS NULL THEN 'PROSPECTS' ELSE g.segment END AS segment
  FROM (
    SELECT pc.*, rs.score AS r, fs.score AS f,
           CASE WHEN pc.monetary > mb.m5 THEN 5 WHEN pc.monetary > mb.m4 THEN 4
                WHEN pc.monetary > mb.m3 THEN 3 WHEN pc.monetary > mb.m2 THEN 2
                WHEN pc.frequency IS NOT NULL THEN 1 END::smallint AS m
    FROM per_customer pc
    CROSS JOIN money_breakpoints mb
    LEFT JOIN recency_scores rs ON rs.value = pc.recency_days
    LEFT JOIN frequency_scores fs ON fs.value = pc.frequency
    WHERE NOT pc.is_gone
    OFFSET 0
  ) s
  LEFT JOIN rfm_segment_grid g ON g.rule_set = $3 AND g.r = s.r AND g.fm = (s.f + s.m + 1) / 2
),
compared AS (
  -- The new, the changed and the gone. Nothing compared moves with the clock: the next day's run
  -- rewrites only the rows whose scores or values moved.
  SELECT CASE WHEN is_new THEN 'new' ELSE 'changed' END AS kind, customer, last_at, frequency,
         monetary, r, f, m, fm, segment, previous_segment
  FROM computed
  WHERE is_new
     OR (stored_last_at, stored_frequency, stored_monetary, stored_r, stored_f, stored_m,
         stored_fm, previous_segment, stored_rule_set)
        IS DISTINCT FROM (last_at, frequency, monetary, r, f, m, fm, segment, $3::text)
  UNION ALL
  SELECT 'gone', customer, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, previous_segment
  FROM per_customer
  WHERE is_gone
),
segment_counts AS (
  SELECT segment, count(*)::int AS customers FROM computed GROUP BY segment
)
SELECT kind, customer, last_at, frequency, monetary, r, f, m, fm, segment, previous_segment,
       NULL::int AS scored_customers, NULL::int AS prospects, NULL::int[] AS recency_breakpoints,
       NULL::int[] AS frequency_breakpoints, NULL::numeric[] AS monetary_breakpoints,
       NULL::text[] AS segments, NULL::int[] AS segment_customers,
       NULL::timestamptz AS started_at
FROM compared
UNION ALL
SELECT 'run', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
       (SELECT n FROM total),
       coalesce((SELECT customers FROM segment_counts WHERE segment = 'PROSPECTS'), 0),
       b.recency, b.frequency, b.monetary,
       (SELECT array_agg(segment ORDER BY segment) FROM segment_counts),
       (SELECT array_agg(customers ORDER BY segment) FROM segment_counts),
       $4::timestamptz
FROM breakpoints b
