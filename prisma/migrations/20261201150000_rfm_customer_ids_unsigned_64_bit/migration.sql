-- Customer ids in the RFM tables are Shopify ids like every other: unsigned 64-bit, numeric(20, 0)
-- (docs/decisions/018). The RFM tables were written alongside that change, on bigint.
-- AlterTable
ALTER TABLE "customer_rfm" DROP CONSTRAINT "customer_rfm_pkey",
ALTER COLUMN "customer_shopify_id" SET DATA TYPE DECIMAL(20,0),
ADD CONSTRAINT "customer_rfm_pkey" PRIMARY KEY ("shop_id", "customer_shopify_id");

-- AlterTable
ALTER TABLE "rfm_segment_changes" ALTER COLUMN "customer_shopify_id" SET DATA TYPE DECIMAL(20,0);

