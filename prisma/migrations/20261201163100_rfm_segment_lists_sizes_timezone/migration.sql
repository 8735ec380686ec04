-- DropIndex
DROP INDEX "customer_rfm_shop_id_segment_idx";

-- AlterTable
ALTER TABLE "shops" ADD COLUMN     "iana_timezone" TEXT;

-- CreateTable
CREATE TABLE "rfm_segment_sizes" (
    "shop_id" INTEGER NOT NULL,
    "day" DATE NOT NULL,
    "segment" TEXT NOT NULL,
    "customers" INTEGER NOT NULL,
    "rule_set" TEXT NOT NULL,
    "as_of" TIMESTAMPTZ NOT NULL,

    CONSTRAINT "rfm_segment_sizes_pkey" PRIMARY KEY ("shop_id","day","segment")
);

-- CreateIndex
CREATE INDEX "customer_rfm_segment_monetary_idx" ON "customer_rfm"("shop_id", "segment", "monetary", "customer_shopify_id");

-- CreateIndex
CREATE INDEX "customer_rfm_segment_recency_idx" ON "customer_rfm"("shop_id", "segment", "recency_days", "customer_shopify_id");

-- AddForeignKey
ALTER TABLE "rfm_segment_sizes" ADD CONSTRAINT "rfm_segment_sizes_shop_id_fkey" FOREIGN KEY ("shop_id") REFERENCES "shops"("id") ON DELETE CASCADE ON UPDATE CASCADE;

