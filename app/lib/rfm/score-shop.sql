-- Full RFM scoring of one shop at a reference time (docs/rfm.md), in one statement:
-- recomputes every live customer's values and scores, rewrites only the rows that changed,
-- deletes the rows of customers no longer live, records every segment change, and records the
-- run with its breakpoints (what rescore-customer.sql places single customers against), and the
-- size of every segment on the shop's calendar day of as_of (the Segments page's chart).
--
-- $1 shop id, $2 as_of (timestamptz), $3 rule set ('v1'), $4 when the run started.
-- The caller holds the shop's RFM advisory lock.
WITH eligible AS (
  -- Eligible orders: live, not cancelled, not test, not voided, of a customer (guests are not
  -- scored). Amount: the current total, after refunds and edits.
  SELECT o.customer_shopify_id AS customer,
         coalesce(o.processed_at, o.shopify_created_at) AS placed_at,
         o.current_total_price AS amount
  FROM orders o
  WHERE o.shop_id = $1
    AND o.deleted_at IS NULL AND o.shopify_updated_at IS NOT NULL
    AND o.customer_shopify_id IS NOT NULL
    AND o.cancelled_at IS NULL
    AND o.test IS NOT TRUE
    AND o.financial_status IS DISTINCT FROM 'VOIDED'
    AND coalesce(o.processed_at, o.shopify_created_at) IS NOT NULL
),
per_customer AS (
  -- Every live customer; frequency is null for those without an eligible order (PROSPECTS).
  SELECT c.shopify_id AS customer, e.last_at, e.frequency, e.monetary
  FROM customers c
  LEFT JOIN (
    SELECT customer, max(placed_at) AS last_at, count(*)::int AS frequency,
           coalesce(sum(amount), 0) AS monetary
    FROM eligible GROUP BY customer
  ) e ON e.customer = c.shopify_id
  WHERE c.shop_id = $1
    AND c.deleted_at IS NULL AND c.shopify_updated_at IS NOT NULL AND c.redacted_at IS NULL
),
valued AS (
  SELECT customer, frequency, monetary,
         greatest(0, floor(extract(epoch FROM ($2::timestamptz - last_at)) / 86400))::int
           AS recency_days
  FROM per_customer
  WHERE frequency IS NOT NULL
),
ranked AS (
  -- w = customers with a strictly worse value: rank() - 1 (ties share a rank). pos_* number the
  -- same orderings from the worst value, for the breakpoints.
  SELECT v.*,
         count(*) OVER () AS n,
         rank() OVER (ORDER BY recency_days DESC) - 1 AS worse_r,
         row_number() OVER (ORDER BY recency_days DESC) AS pos_r,
         rank() OVER (ORDER BY frequency) - 1 AS worse_f,
         row_number() OVER (ORDER BY frequency) AS pos_f,
         rank() OVER (ORDER BY monetary) - 1 AS worse_m,
         row_number() OVER (ORDER BY monetary) AS pos_m
  FROM valued v
),
scored AS (
  -- score = least(5, 1 + floor(5 * w / N)): integer division of non-negative integers.
  SELECT customer, recency_days, frequency, monetary,
         least(5, 1 + (5 * worse_r) / n)::smallint AS r,
         least(5, 1 + (5 * worse_f) / n)::smallint AS f,
         least(5, 1 + (5 * worse_m) / n)::smallint AS m
  FROM ranked
),
computed AS (
  SELECT s.customer, s.recency_days, s.frequency, s.monetary, s.r, s.f, s.m,
         ((s.f + s.m + 1) / 2)::smallint AS fm,
         g.segment -- a missing cell leaves it null, which the NOT NULL column refuses
  FROM scored s
  LEFT JOIN rfm_segment_grid g ON g.rule_set = $3 AND g.r = s.r AND g.fm = (s.f + s.m + 1) / 2
  UNION ALL
  SELECT customer, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'PROSPECTS'
  FROM per_customer
  WHERE frequency IS NULL
),
previous AS (
  SELECT customer_shopify_id AS customer, recency_days, frequency, monetary, r, f, m, fm, segment,
         rule_set
  FROM customer_rfm WHERE shop_id = $1
),
changed AS (
  -- Only rows whose values, scores, segment or rule set differ reach the upsert (an unchanged row
  -- is neither looked up again nor locked by ON CONFLICT).
  SELECT c.*, p.customer IS NULL AS is_new, p.segment AS previous_segment
  FROM computed c
  LEFT JOIN previous p ON p.customer = c.customer
  WHERE p.customer IS NULL
     OR (p.recency_days, p.frequency, p.monetary, p.r, p.f, p.m, p.fm, p.segment, p.rule_set)
        IS DISTINCT FROM (c.recency_days, c.frequency, c.monetary, c.r, c.f, c.m, c.fm, c.segment,
                          $3::text)
),
written AS (
  INSERT INTO customer_rfm AS existing (shop_id, customer_shopify_id, as_of, recency_days,
    frequency, monetary, r, f, m, fm, segment, rule_set, updated_at)
  SELECT $1, customer, $2::timestamptz, recency_days, frequency, monetary, r, f, m, fm, segment,
         $3, now()
  FROM changed
  ON CONFLICT (shop_id, customer_shopify_id) DO UPDATE SET
    as_of = EXCLUDED.as_of, recency_days = EXCLUDED.recency_days,
    frequency = EXCLUDED.frequency, monetary = EXCLUDED.monetary,
    r = EXCLUDED.r, f = EXCLUDED.f, m = EXCLUDED.m, fm = EXCLUDED.fm,
    segment = EXCLUDED.segment, rule_set = EXCLUDED.rule_set, updated_at = now()
  RETURNING 1
),
removed AS (
  -- Customers deleted, redacted or gone: their rows leave (their history stays).
  DELETE FROM customer_rfm AS gone
  WHERE gone.shop_id = $1
    AND NOT EXISTS (SELECT 1 FROM computed c WHERE c.customer = gone.customer_shopify_id)
  RETURNING 1
),
changes AS (
  INSERT INTO rfm_segment_changes (shop_id, customer_shopify_id, from_segment, to_segment,
    changed_at, rule_set)
  SELECT $1, customer, previous_segment, segment, $2::timestamptz, $3
  FROM changed
  WHERE is_new OR previous_segment IS DISTINCT FROM segment
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
         names.segment, count(c.customer)::int, $3, $2::timestamptz
  FROM (SELECT DISTINCT segment FROM rfm_segment_grid WHERE rule_set = $3
        UNION SELECT 'PROSPECTS') names
  LEFT JOIN computed c ON c.segment = names.segment
  GROUP BY names.segment
  ON CONFLICT (shop_id, day, segment) DO UPDATE SET
    customers = EXCLUDED.customers, rule_set = EXCLUDED.rule_set, as_of = EXCLUDED.as_of
  WHERE stored.as_of <= EXCLUDED.as_of
  RETURNING 1
),
thresholds AS (
  -- Score s (2..5) needs w >= k_s = ceil((s - 1) * N / 5): the k_s-th value from the worst is
  -- the breakpoint a value must beat.
  SELECT s, ((s - 1) * n + 4) / 5 AS k
  FROM generate_series(2, 5) AS s, (SELECT count(*)::int AS n FROM valued) AS total
  WHERE total.n > 0
),
breakpoints AS (
  SELECT
    coalesce((SELECT array_agg(x.recency_days ORDER BY t.s)
              FROM thresholds t JOIN ranked x ON x.pos_r = t.k), '{}') AS recency,
    coalesce((SELECT array_agg(x.frequency ORDER BY t.s)
              FROM thresholds t JOIN ranked x ON x.pos_f = t.k), '{}') AS frequency,
    coalesce((SELECT array_agg(x.monetary ORDER BY t.s)
              FROM thresholds t JOIN ranked x ON x.pos_m = t.k), '{}') AS monetary
)
INSERT INTO rfm_runs (shop_id, rule_set, as_of, scored_customers, prospects, recency_breakpoints,
  frequency_breakpoints, monetary_breakpoints, rows_written, rows_deleted, segment_changes,
  started_at, finished_at)
SELECT $1, $3, $2::timestamptz,
       (SELECT count(*) FROM valued),
       (SELECT count(*) FROM per_customer WHERE frequency IS NULL),
       b.recency, b.frequency, b.monetary,
       (SELECT count(*) FROM written),
       (SELECT count(*) FROM removed),
       (SELECT count(*) FROM changes),
       $4::timestamptz, clock_timestamp()
FROM breakpoints b
RETURNING id, scored_customers, prospects, rows_written, rows_deleted, segment_changes
