-- The live customers of a shop (not deleted, not a placeholder, not redacted), by id: full RFM
-- scoring reads every live customer of the shop by an index-only scan of this index, in customer
-- order, instead of a sequential scan of the whole (wide) customers table (docs/decisions/068).
-- Written by hand: Prisma's schema does not describe partial indexes. The predicate is
-- score-shop.sql's, word for word, so the planner can prove the index covers the statement's rows.
CREATE INDEX "customers_rfm_live_idx" ON "customers" ("shop_id", "shopify_id")
  WHERE "deleted_at" IS NULL AND "shopify_updated_at" IS NOT NULL AND "redacted_at" IS NULL;
