-- The eligible orders of RFM rule set v1 (docs/rfm.md), per shop and customer, with the three
-- columns the scoring reads: full scoring reads them by an index-only scan in customer order and
-- aggregates them as they stream (no hash of every customer), and rescoring one customer reads
-- only their eligible orders (docs/decisions/061). Written by hand: Prisma's schema does not
-- describe partial indexes. The predicate is score-shop.sql's, word for word, so the planner can
-- prove the index covers the statement's rows.
CREATE INDEX "orders_rfm_eligible_idx" ON "orders" ("shop_id", "customer_shopify_id")
  INCLUDE ("processed_at", "shopify_created_at", "current_total_price")
  WHERE "deleted_at" IS NULL AND "shopify_updated_at" IS NOT NULL
    AND "customer_shopify_id" IS NOT NULL AND "cancelled_at" IS NULL AND "test" IS NOT TRUE
    AND "financial_status" IS DISTINCT FROM 'VOIDED';
