-- customer_rfm stores what does not move with the clock (docs/decisions/060): the table becomes
-- customer_rfm_scores with the last eligible order's time instead of recency_days, and the name
-- customer_rfm becomes a view that derives recency_days and each row's as_of on the shop's clock.
-- Written by hand from `npm run migration:new` (which drops and recreates the table): the rows are
-- kept, renamed in place.

-- RenameTable, with its primary key and foreign key under the names Prisma gives them.
ALTER TABLE "customer_rfm" RENAME TO "customer_rfm_scores";
ALTER TABLE "customer_rfm_scores" RENAME CONSTRAINT "customer_rfm_pkey" TO "customer_rfm_scores_pkey";
ALTER TABLE "customer_rfm_scores" RENAME CONSTRAINT "customer_rfm_shop_id_fkey" TO "customer_rfm_scores_shop_id_fkey";
-- PostgreSQL 18 names NOT NULL constraints after their table too (earlier versions have none).
DO $$
DECLARE
  c record;
BEGIN
  FOR c IN SELECT conname FROM pg_constraint
           WHERE conrelid = 'customer_rfm_scores'::regclass AND contype = 'n'
             AND conname LIKE 'customer\_rfm\_%\_not\_null' AND conname NOT LIKE 'customer\_rfm\_scores\_%'
  LOOP
    EXECUTE format('ALTER TABLE customer_rfm_scores RENAME CONSTRAINT %I TO %I', c.conname,
                   'customer_rfm_scores_' || substr(c.conname, length('customer_rfm_') + 1));
  END LOOP;
END $$;

-- AlterTable: the last eligible order's time. The stored rows only know it to the day: the time that
-- gives back their recency_days at their as_of exactly. The next full run stores the exact time.
ALTER TABLE "customer_rfm_scores" ADD COLUMN "last_order_at" TIMESTAMPTZ;
UPDATE "customer_rfm_scores" SET "last_order_at" = "as_of" - make_interval(secs => "recency_days" * 86400)
WHERE "recency_days" IS NOT NULL;

-- DropIndex: the recency sort is on a derived value now (decision 060).
DROP INDEX "customer_rfm_segment_recency_idx";
ALTER TABLE "customer_rfm_scores" DROP COLUMN "recency_days";

-- CreateView (by hand: Prisma's schema does not describe views). Every stored row, with
-- as_of: the later of the row's own as_of (an incremental rescoring since the shop's last full
--   run) and the as_of of the shop's last full run (the run found the row's values and scores
--   unchanged, or wrote them);
-- recency_days: whole days from the last eligible order to that as_of, as score-shop.sql
--   measures them (floor; an order after as_of counts 0).
-- The shop's last full run is the one rescore-customer.sql places customers against (highest id).
CREATE VIEW "customer_rfm" AS
SELECT s.shop_id, s.customer_shopify_id,
       greatest(s.as_of, clock.as_of) AS as_of,
       CASE WHEN s.last_order_at IS NOT NULL THEN
         greatest(0, floor(extract(epoch FROM (greatest(s.as_of, clock.as_of) - s.last_order_at))
                           / 86400))::int
       END AS recency_days,
       s.frequency, s.monetary, s.r, s.f, s.m, s.fm, s.segment, s.rule_set, s.updated_at,
       s.last_order_at
FROM "customer_rfm_scores" s
LEFT JOIN (
  SELECT DISTINCT ON (shop_id) shop_id, as_of FROM "rfm_runs" ORDER BY shop_id, id DESC
) clock ON clock.shop_id = s.shop_id;
