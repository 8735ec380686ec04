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
recency_counts AS MATERIALIZED (
  -- (Read once: the breakpoints below read it once per score.)
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
  SELECT s, ((s - 1) * n + 4) / 5 AS k, n
  FROM generate_series(2, 5) AS s, total
  WHERE total.n > 0
),
-- Money takes about as many values as there are customers: its k-th smallest values from one
-- sort of the amounts alone (not of the customers' rows), by percentile_disc, which returns the
-- value at position ceil(fraction * n) of the sorted amounts: the fraction (k - 0.5) / n puts
-- that position at exactly k, however the fraction rounds (an error under half a position). No
-- array of every amount is built (decision 085).
money AS (
  SELECT percentile_disc((SELECT array_agg(((t.k - 0.5) / t.n)::float8 ORDER BY t.s)
                                   FROM thresholds t))
           WITHIN GROUP (ORDER BY monetary) AS kth
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
    coalesce((SELECT kth FROM money), '{}') AS monetary
),
placement AS (
  -- What a customer's value is placed against: the breakpoints (score s needs a recency under
  -- recency[s - 1], a frequency over frequency[s - 1], an amount over monetary[s - 1]) and the
  -- grid's 25 cells in (r, fm) order, a missing cell null (the NOT NULL column refuses it).
  SELECT b.recency[1] AS r2, b.recency[2] AS r3, b.recency[3] AS r4, b.recency[4] AS r5,
         b.frequency[1] AS f2, b.frequency[2] AS f3, b.frequency[3] AS f4, b.frequency[4] AS f5,
         b.monetary[1] AS m2, b.monetary[2] AS m3, b.monetary[3] AS m4, b.monetary[4] AS m5,
         (SELECT array_agg(g.segment ORDER BY cell.r, cell.fm)
          FROM (SELECT r, fm FROM generate_series(1, 5) AS r, generate_series(1, 5) AS fm) cell
          LEFT JOIN rfm_segment_grid g ON g.rule_set = $3 AND g.r = cell.r AND g.fm = cell.fm)
           AS grid
  FROM breakpoints b
),
computed AS MATERIALIZED (
  SELECT s.*, ((s.f + s.m + 1) / 2)::smallint AS fm,
         CASE WHEN s.frequency IS NULL THEN 'PROSPECTS'
              ELSE p.grid[(s.r - 1) * 5 + (s.f + s.m + 1) / 2] END AS segment
  FROM (
    SELECT pc.*,
           CASE WHEN pc.frequency IS NOT NULL THEN (1 + (pc.recency_days < p.r2)::int
             + (pc.recency_days < p.r3)::int + (pc.recency_days < p.r4)::int
             + (pc.recency_days < p.r5)::int) END::smallint AS r,
           CASE WHEN pc.frequency IS NOT NULL THEN (1 + (pc.frequency > p.f2)::int
             + (pc.frequency > p.f3)::int + (pc.frequency > p.f4)::int
             + (pc.frequency > p.f5)::int) END::smallint AS f,
           CASE WHEN pc.monetary > p.m5 THEN 5 WHEN pc.monetary > p.m4 THEN 4
                WHEN pc.monetary > p.m3 THEN 3 WHEN pc.monetary > p.m2 THEN 2
                WHEN pc.frequency IS NOT NULL THEN 1 END::smallint AS m
    FROM per_customer pc CROSS JOIN placement p
    OFFSET 0
  ) s
  CROSS JOIN placement p
),
compared AS (
  -- The new, the changed and the gone, in one scan (a gone row has no values: no scores, and the
  -- segment it is given above is not kept). Nothing compared moves with the clock: the next
  -- day's run rewrites only the rows whose scores or values moved.
  SELECT CASE WHEN is_gone THEN 'gone' WHEN is_new THEN 'new' ELSE 'changed' END AS kind,
         customer, last_at, frequency, monetary, r, f, m, fm,
         CASE WHEN NOT is_gone THEN segment END AS segment, previous_segment
  FROM computed
  WHERE is_gone
     OR is_new
     OR stored_differs
     OR (stored_r, stored_f, stored_m, stored_fm, previous_segment)
        IS DISTINCT FROM (r, f, m, fm, segment)
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
