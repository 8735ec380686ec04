-- Full RFM scoring of one shop at a reference time (docs/rfm.md), in one statement:
-- recomputes every live customer's values and scores, rewrites only the rows whose stored values
-- (the last eligible order's time, frequency, monetary), scores or segment changed (recency_days is
-- not stored: the view customer_rfm derives it on the shop's clock, docs/decisions/060),
-- deletes the rows of customers no longer live, records every segment change, and records the
-- run with its breakpoints (what rescore-customer.sql places single customers against), and the
-- size of every segment on the shop's calendar day of as_of (the Segments page's chart).
-- How the work is kept down: docs/decisions/053, 061 and 068.
--
-- $1 shop id, $2 as_of (timestamptz), $3 rule set ('v1'), $4 when the run started.
-- The caller holds the shop's RFM advisory lock.
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
  -- The new, the changed and the gone; an unchanged row goes no further (it is neither rewritten
  -- nor locked). Nothing compared moves with the clock: the next day's run rewrites only the rows
  -- whose scores or values moved.
  SELECT customer, last_at, frequency, monetary, r, f, m, fm, segment, is_new, false AS is_gone,
         previous_segment
  FROM computed
  WHERE is_new
     OR (stored_last_at, stored_frequency, stored_monetary, stored_r, stored_f, stored_m,
         stored_fm, previous_segment, stored_rule_set)
        IS DISTINCT FROM (last_at, frequency, monetary, r, f, m, fm, segment, $3::text)
  UNION ALL
  SELECT customer, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, false, true, previous_segment
  FROM per_customer
  WHERE is_gone
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
    -- the changed rows by their key (few on most days), not a hash of every stored row
    AND existing.customer_shopify_id = ANY ((SELECT array_agg(customer) FROM compared
                                             WHERE NOT is_new AND NOT is_gone)::numeric[])
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
segment_counts AS (
  SELECT segment, count(*) AS customers FROM computed GROUP BY segment
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
  LEFT JOIN segment_counts counted ON counted.segment = names.segment
  ON CONFLICT (shop_id, day, segment) DO UPDATE SET
    customers = EXCLUDED.customers, rule_set = EXCLUDED.rule_set, as_of = EXCLUDED.as_of
  WHERE stored.as_of <= EXCLUDED.as_of
  RETURNING 1
)
INSERT INTO rfm_runs (shop_id, rule_set, as_of, scored_customers, prospects, recency_breakpoints,
  frequency_breakpoints, monetary_breakpoints, rows_written, rows_deleted, segment_changes,
  started_at, finished_at)
SELECT $1, $3, $2::timestamptz,
       (SELECT n FROM total),
       coalesce((SELECT customers FROM segment_counts WHERE segment = 'PROSPECTS'), 0),
       b.recency, b.frequency, b.monetary,
       (SELECT count(*) FROM inserted) + (SELECT count(*) FROM updated),
       (SELECT count(*) FROM removed),
       (SELECT count(*) FROM changes),
       $4::timestamptz, clock_timestamp()
FROM breakpoints b
RETURNING id, scored_customers, prospects, rows_written, rows_deleted, segment_changes
