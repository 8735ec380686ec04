-- Leaner RFM indexes (docs/decisions/082): a first full run writes a score row and a first
-- segment change per customer, and each index those rows enter is a share of its writing.

-- A segment's list sorted by money spent needs only the scored customers in its index: a
-- prospect has no money, and the prospects' list walks the primary key instead.
DROP INDEX "customer_rfm_segment_monetary_idx";
CREATE INDEX "customer_rfm_segment_monetary_idx" ON "customer_rfm_scores"
  ("shop_id", "segment", "monetary", "customer_shopify_id") WHERE "monetary" IS NOT NULL;

-- A customer's history (newest first) walks the primary key, which now leads with the customer;
-- the separate (shop, customer, changed_at) index goes.
DROP INDEX "rfm_segment_changes_shop_id_customer_shopify_id_changed_at_idx";
ALTER TABLE "rfm_segment_changes" DROP CONSTRAINT "rfm_segment_changes_pkey",
ADD CONSTRAINT "rfm_segment_changes_pkey" PRIMARY KEY ("shop_id", "customer_shopify_id", "changed_at", "id");

-- The movement table counts moves from a segment in a window: a customer's first placement (from
-- no segment, every row of a first run) is no move and stays out of its index.
DROP INDEX "rfm_segment_changes_shop_id_changed_at_idx";
CREATE INDEX "rfm_segment_changes_moves_idx" ON "rfm_segment_changes" ("shop_id", "changed_at")
  WHERE "from_segment" IS NOT NULL;
