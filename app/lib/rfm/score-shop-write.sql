-- Full RFM scoring of one shop, second of two statements: writes what score-shop.sql computed,
-- in the same transaction, from its temporary table rfm_scoring (docs/decisions/071). Inserts the
-- new rows, rewrites the changed ones, deletes the rows of customers no longer live, records
-- every segment change, the size of every segment on the shop's calendar day of as_of (the
-- Segments page's chart), and the run with its breakpoints.
--
-- $1 shop id, $2 as_of (timestamptz), $3 rule set ('v1').
-- The caller holds the shop's RFM lock.
WITH rest AS MATERIALIZED (
  -- Every row but the new ones, read once for the update, the delete and the run: on most days a
  -- few, and a first run's 1,000,000 new rows are scanned for them once instead of three times.
  SELECT * FROM rfm_scoring WHERE kind <> 'new'
),
inserted AS (
  -- A plain insert: 'new' rows had no stored row in this transaction's first statement, and none
  -- can have been inserted since, as only a full run or a rescoring inserts and both hold the
  -- shop's RFM lock (deletions are the only other writes). A conflict would be a defect: it fails
  -- the run, which is retried, instead of being absorbed (docs/decisions/079).
  INSERT INTO customer_rfm_scores (shop_id, customer_shopify_id, as_of,
    last_order_at, frequency, monetary, r, f, m, fm, segment, rule_set, updated_at)
  SELECT $1, customer, $2::timestamptz, last_at, frequency, monetary, r, f, m, fm, segment,
         $3, now()
  FROM rfm_scoring
  WHERE kind = 'new'
  -- In customer order, so that the primary key (and the changes' primary key below) grow at one
  -- end instead of at six: the first statement's ranges come back interleaved (a first run's
  -- writing took 1.4 s less, of 11-12 s, at 1,000,000 customers: docs/decisions/079).
  ORDER BY customer
  RETURNING customer_shopify_id AS customer, segment
),
updated AS (
  UPDATE customer_rfm_scores AS existing SET
    as_of = $2::timestamptz, last_order_at = ch.last_at, frequency = ch.frequency,
    monetary = ch.monetary, r = ch.r, f = ch.f, m = ch.m, fm = ch.fm, segment = ch.segment,
    rule_set = $3, updated_at = now()
  FROM rest ch
  WHERE existing.shop_id = $1 AND existing.customer_shopify_id = ch.customer
    AND ch.kind = 'changed'
    -- the changed rows by their key (few on most days), not a hash of every stored row
    AND existing.customer_shopify_id = ANY ((SELECT array_agg(customer) FROM rest
                                             WHERE kind = 'changed')::numeric[])
  RETURNING existing.customer_shopify_id AS customer, ch.previous_segment, existing.segment
),
removed AS (
  -- Customers deleted, redacted or gone: their rows leave (their history stays).
  DELETE FROM customer_rfm_scores AS gone
  USING rest ch
  WHERE gone.shop_id = $1 AND gone.customer_shopify_id = ch.customer AND ch.kind = 'gone'
  RETURNING 1
),
changes AS (
  -- A first placement for every inserted row, a move for every rewritten row whose segment moved:
  -- read from the rows just written (the inserted ones come back in the insert's customer order),
  -- not from a second scan and sort of the temporary table (docs/decisions/084).
  INSERT INTO rfm_segment_changes (shop_id, customer_shopify_id, from_segment, to_segment,
    changed_at, rule_set)
  SELECT $1, customer, NULL, segment, $2::timestamptz, $3 FROM inserted
  UNION ALL
  SELECT $1, customer, previous_segment, segment, $2::timestamptz, $3 FROM updated
  WHERE previous_segment IS DISTINCT FROM segment
  RETURNING 1
),
run AS (
  SELECT * FROM rest WHERE kind = 'run'
),
sizes AS (
  -- Every segment of the rule set, empty ones as 0, on the day of as_of in the shop's time zone
  -- (UTC until Recur knows it). A run with an earlier as_of than the day's stored figure leaves it.
  INSERT INTO rfm_segment_sizes AS stored (shop_id, day, segment, customers, rule_set, as_of)
  SELECT $1,
         ($2::timestamptz AT TIME ZONE coalesce(
           (SELECT z.name FROM shops sh JOIN pg_timezone_names z ON z.name = sh.iana_timezone
            WHERE sh.id = $1), 'UTC'))::date,
         names.segment, coalesce(counted.customers, 0), $3, $2::timestamptz
  FROM (SELECT DISTINCT segment FROM rfm_segment_grid WHERE rule_set = $3
        UNION SELECT 'PROSPECTS') names
  LEFT JOIN (SELECT s.segment, s.customers
             FROM run, unnest(run.segments, run.segment_customers) AS s (segment, customers)
            ) counted ON counted.segment = names.segment
  ON CONFLICT (shop_id, day, segment) DO UPDATE SET
    customers = EXCLUDED.customers, rule_set = EXCLUDED.rule_set, as_of = EXCLUDED.as_of
  WHERE stored.as_of <= EXCLUDED.as_of
  RETURNING 1
)
INSERT INTO rfm_runs (shop_id, rule_set, as_of, scored_customers, prospects, recency_breakpoints,
  frequency_breakpoints, monetary_breakpoints, rows_written, rows_deleted, segment_changes,
  started_at, finished_at)
SELECT $1, $3, $2::timestamptz, run.scored_customers, run.prospects,
       run.recency_breakpoints, run.frequency_breakpoints, run.monetary_breakpoints,
       (SELECT count(*) FROM inserted) + (SELECT count(*) FROM updated),
       (SELECT count(*) FROM removed),
       (SELECT count(*) FROM changes),
       run.started_at, clock_timestamp()
FROM run
RETURNING id, scored_customers, prospects, rows_written, rows_deleted, segment_changes
