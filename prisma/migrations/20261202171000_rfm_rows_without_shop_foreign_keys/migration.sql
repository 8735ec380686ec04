-- The two tables a full RFM run writes a row per customer into lose their foreign key to shops
-- (docs/decisions/079): its check, one lookup and lock of the shop's row per inserted row, was a
-- third of a first run's writing (7 s of 22 s for 1,000,000 customers). Shops are never deleted
-- (shop/redact deletes these rows by name, app/lib/db/personal-data.server.ts), and the only
-- writers are the full run and a customer's rescoring, both for a shop the job read from shops.
ALTER TABLE "customer_rfm_scores" DROP CONSTRAINT "customer_rfm_scores_shop_id_fkey";
ALTER TABLE "rfm_segment_changes" DROP CONSTRAINT "rfm_segment_changes_shop_id_fkey";
