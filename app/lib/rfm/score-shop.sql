-- Full RFM scoring of one shop at a reference time (docs/rfm.md), in one statement:
-- recomputes every live customer's values and scores, rewrites only the rows whose stored values
-- (the last eligible order's time, frequency, monetary), scores or segment changed (recency_days is
-- not stored: the view customer_rfm derives it on the shop's clock, docs/decisions/060),
-- deletes the rows of customers no longer live, records every segment change, and records the
-- run with its breakpoints (what rescore-customer.sql places single customers against), and the
-- size of every segment on the shop's calendar day of as_of (the Segments page's chart).
-- How the work is kept to one pass of each kind: docs/decisions/053-rfm-full-scoring-one-pass.md.
--
-- $1 shop id, $2 as_of (timestamptz), $3 rule set ('v1'), $4 when the run started.
-- The caller holds the shop's RFM advisory lock.
WITH per_customer AS (
  -- Every live customer; frequency is null for those without an eligible order (PROSPECTS).
  -- Eligible orders: live, not cancelled, not test, not voided, of a customer (guests are not
  -- scored). Amount: the current total, after refunds and edits. One hashed pass over the orders.
  SELECT c.shopify_id AS customer, e.last_at, e.frequency, e.monetary
  FROM customers c
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
  ) e ON e.customer = c.shopify_id
  WHERE c.shop_id = $1
    AND c.deleted_at IS NULL AND c.shopify_updated_at IS NOT NULL AND c.redacted_at IS NULL
),
valued AS (
  SELECT customer, last_at, frequency, monetary,
         greatest(0, floor(extract(epoch FROM ($2::timestamptz - last_at)) / 86400))::int
           AS recency_days
  FROM per_customer
  WHERE frequency IS NOT NULL
),
total AS (
  SELECT count(*)::int AS n FROM valued
),
-- w = customers with a strictly worse value. Recency and frequency take few distinct values (days,
-- order counts): w is counted once per value, over the values, not by sorting the customers.
recency_values AS (
  SELECT recency_days AS value,
         coalesce(sum(count(*)) OVER (ORDER BY recency_days DESC
           ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)::bigint AS worse
  FROM valued GROUP BY recency_days
),
frequency_values AS (
  SELECT frequency AS value,
         coalesce(sum(count(*)) OVER (ORDER BY frequency
           ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)::bigint AS worse
  FROM valued GROUP BY frequency
),
ranked AS (
  -- Money takes about as many values as there are customers: one sort, rank() - 1 (ties share a
  -- rank).
  SELECT v.customer, v.last_at, v.recency_days, v.frequency, v.monetary,
         rv.worse AS worse_r, fv.worse AS worse_f,
         rank() OVER (ORDER BY v.monetary) - 1 AS worse_m
  FROM valued v
  JOIN recency_values rv ON rv.value = v.recency_days
  JOIN frequency_values fv ON fv.value = v.frequency
),
computed AS (
  -- score = least(5, 1 + floor(5 * w / N)): integer division of non-negative integers.
  SELECT s.customer, s.last_at, s.frequency, s.monetary, s.r, s.f, s.m,
         ((s.f + s.m + 1) / 2)::smallint AS fm,
         g.segment -- a missing cell leaves it null, which the NOT NULL column refuses
  FROM (
    SELECT x.customer, x.last_at, x.frequency, x.monetary,
           least(5, 1 + (5 * x.worse_r) / t.n)::smallint AS r,
           least(5, 1 + (5 * x.worse_f) / t.n)::smallint AS f,
           least(5, 1 + (5 * x.worse_m) / t.n)::smallint AS m
    FROM ranked x, total t
  ) s
  LEFT JOIN rfm_segment_grid g ON g.rule_set = $3 AND g.r = s.r AND g.fm = (s.f + s.m + 1) / 2
  UNION ALL
  SELECT customer, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'PROSPECTS'
  FROM per_customer
  WHERE frequency IS NULL
),
compared AS (
  -- One join of the computed rows with the stored ones finds the new, the changed and the gone;
  -- an unchanged row goes no further (it is neither rewritten nor locked). Nothing compared moves
  -- with the clock: the next day's run rewrites only the rows whose scores or values moved.
  SELECT coalesce(c.customer, p.customer_shopify_id) AS customer,
         c.last_at, c.frequency, c.monetary, c.r, c.f, c.m, c.fm, c.segment,
         p.customer_shopify_id IS NULL AS is_new, c.customer IS NULL AS is_gone,
         p.segment AS previous_segment
  FROM computed c
  FULL JOIN (SELECT * FROM customer_rfm_scores WHERE shop_id = $1) p
    ON p.customer_shopify_id = c.customer
  WHERE p.customer_shopify_id IS NULL OR c.customer IS NULL
     OR (p.last_order_at, p.frequency, p.monetary, p.r, p.f, p.m, p.fm, p.segment, p.rule_set)
        IS DISTINCT FROM (c.last_at, c.frequency, c.monetary, c.r, c.f, c.m, c.fm, c.segment,
                          $3::text)
),
inserted AS (
  INSERT INTO customer_rfm_scores AS existing (shop_id, customer_shopify_id, as_of,
    last_order_at, frequency, monetary, r, f, m, fm, segment, rule_set, updated_at)
  SELECT $1, customer, $2::timestamptz, last_at, frequency, monetary, r, f, m, fm, segment,
         $3, now()
  FROM compared
  WHERE is_new
  ON CONFLICT (shop_id, customer_shopify_id) DO UPDATE SET
    as_of = EXCLUDED.as_of, last_order_at = EXCLUDED.last_order_at,
    frequency = EXCLUDED.frequency, monetary = EXCLUDED.monetary,
    r = EXCLUDED.r, f = EXCLUDED.f, m = EXCLUDED.m, fm = EXCLUDED.fm,
    segment = EXCLUDED.segment, rule_set = EXCLUDED.rule_set, updated_at = now()
  RETURNING 1
),
updated AS (
  UPDATE customer_rfm_scores AS existing SET
    as_of = $2::timestamptz, last_order_at = ch.last_at, frequency = ch.frequency,
    monetary = ch.monetary, r = ch.r, f = ch.f, m = ch.m, fm = ch.fm, segment = ch.segment,
    rule_set = $3, updated_at = now()
  FROM compared ch
  WHERE existing.shop_id = $1 AND existing.customer_shopify_id = ch.customer
    AND NOT ch.is_new AND NOT ch.is_gone
  RETURNING 1
),
removed AS (
  -- Customers deleted, redacted or gone: their rows leave (their history stays).
  DELETE FROM customer_rfm_scores AS gone
  USING compared ch
  WHERE gone.shop_id = $1 AND gone.customer_shopify_id = ch.customer AND ch.is_gone
  RETURNING 1
),
changes AS (
  INSERT INTO rfm_segment_changes (shop_id, customer_shopify_id, from_segment, to_segment,
    changed_at, rule_set)
  SELECT $1, customer, previous_segment, segment, $2::timestamptz, $3
  FROM compared
  WHERE NOT is_gone AND (is_new OR previous_segment IS DISTINCT FROM segment)
  RETURNING 1
),
sizes AS (
  -- Every segment of the rule set, empty ones as 0, on the day of as_of in the shop's time zone
  -- (UTC until Recur knows it). A run with an earlier as_of than the day's stored figure leaves it.
  INSERT INTO rfm_segment_sizes AS stored (shop_id, day, segment, customers, rule_set, as_of)
  SELECT $1,
         ($2::timestamptz AT TIME ZONE coalesce(
           (SELECT z.name FROM shops sh JOIN pg_timezone_names z ON z.name = sh.iana_timezone
            WHERE sh.id = $1), 'UTC'))::date,
         names.segment, coalesce(counted.customers, 0)::int, $3, $2::timestamptz
  FROM (SELECT DISTINCT segment FROM rfm_segment_grid WHERE rule_set = $3
        UNION SELECT 'PROSPECTS') names
  LEFT JOIN (SELECT segment, count(*) AS customers FROM computed GROUP BY segment) counted
    ON counted.segment = names.segment
  ON CONFLICT (shop_id, day, segment) DO UPDATE SET
    customers = EXCLUDED.customers, rule_set = EXCLUDED.rule_set, as_of = EXCLUDED.as_of
  WHERE stored.as_of <= EXCLUDED.as_of
  RETURNING 1
),
thresholds AS (
  -- Score s (2..5) needs w >= k_s = ceil((s - 1) * N / 5): the breakpoint a value must beat is
  -- the k_s-th value from the worst, which is the best value with fewer than k_s worse ones.
  SELECT s, ((s - 1) * n + 4) / 5 AS k
  FROM generate_series(2, 5) AS s, total
  WHERE total.n > 0
),
breakpoints AS (
  SELECT
    coalesce((SELECT array_agg((SELECT min(rv.value) FROM recency_values rv WHERE rv.worse < t.k)
                               ORDER BY t.s)
              FROM thresholds t), '{}') AS recency,
    coalesce((SELECT array_agg((SELECT max(fv.value) FROM frequency_values fv
                                WHERE fv.worse < t.k) ORDER BY t.s)
              FROM thresholds t), '{}') AS frequency,
    -- Money's four in one pass over the ranked customers.
    coalesce((SELECT ARRAY[max(x.monetary) FILTER (WHERE x.worse_m < (t.n + 4) / 5),
                           max(x.monetary) FILTER (WHERE x.worse_m < (2 * t.n + 4) / 5),
                           max(x.monetary) FILTER (WHERE x.worse_m < (3 * t.n + 4) / 5),
                           max(x.monetary) FILTER (WHERE x.worse_m < (4 * t.n + 4) / 5)]
              FROM ranked x, total t
              GROUP BY t.n), '{}') AS monetary
)
INSERT INTO rfm_runs (shop_id, rule_set, as_of, scored_customers, prospects, recency_breakpoints,
  frequency_breakpoints, monetary_breakpoints, rows_written, rows_deleted, segment_changes,
  started_at, finished_at)
SELECT $1, $3, $2::timestamptz,
       (SELECT n FROM total),
       (SELECT count(*) FROM per_customer WHERE frequency IS NULL),
       b.recency, b.frequency, b.monetary,
       (SELECT count(*) FROM inserted) + (SELECT count(*) FROM updated),
       (SELECT count(*) FROM removed),
       (SELECT count(*) FROM changes),
       $4::timestamptz, clock_timestamp()
FROM breakpoints b
RETURNING id, scored_customers, prospects, rows_written, rows_deleted, segment_changes
