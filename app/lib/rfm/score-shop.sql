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
  -- Every live customer with their values, side by side with their stored row, and every stored
  -- row whose customer is gone, except the prospects whose stored row already says so
  -- (recur_rfm_v1_customers, migrations 20261202031000 and 20261202063000). Read in six
  -- ranges of customer ids that together hold every id once: each range is a whole plan of its
  -- own (aggregate, joins, comparison input), so PostgreSQL may run the ranges side by side in
  -- parallel workers (a Parallel Append) and the leader receives finished rows (decision 071).
  SELECT * FROM recur_rfm_v1_customers($1, $2, 0, 6) UNION ALL
  SELECT * FROM recur_rfm_v1_customers($1, $2, 1, 6) UNION ALL
  SELECT * FROM recur_rfm_v1_customers($1, $2, 2, 6) UNION ALL
  SELECT * FROM recur_rfm_v1_customers($1, $2, 3, 6) UNION ALL
  SELECT * FROM recur_rfm_v1_customers($1, $2, 4, 6) UNION ALL
  SELECT * FROM recur_rfm_v1_customers($1, $2, 5, 6)
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
     OR stored_differs
     OR (stored_r, stored_f, stored_m, stored_fm, previous_segment)
        IS DISTINCT FROM (r, f, m, fm, segment)
  UNION ALL
  SELECT 'gone', customer, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, previous_segment
  FROM per_customer
  WHERE is_gone
),
-- The prospects that per_customer left out (unchanged, decision 078) are counted here: every live
-- customer who is not scored is a prospect (the live customers from customers_rfm_live_idx, in
-- the statement's one snapshot).
live AS (
  SELECT count(*)::int AS customers FROM customers
  WHERE shop_id = $1 AND deleted_at IS NULL AND shopify_updated_at IS NOT NULL
    AND redacted_at IS NULL
),
segment_counts AS (
  SELECT segment, count(*)::int AS customers FROM computed
  WHERE segment <> 'PROSPECTS' GROUP BY segment
  UNION ALL
  SELECT 'PROSPECTS', live.customers - total.n FROM live, total WHERE live.customers > total.n
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
