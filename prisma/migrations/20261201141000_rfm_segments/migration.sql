-- CreateTable
CREATE TABLE "customer_rfm" (
    "shop_id" INTEGER NOT NULL,
    "customer_shopify_id" BIGINT NOT NULL,
    "as_of" TIMESTAMPTZ NOT NULL,
    "recency_days" INTEGER,
    "frequency" INTEGER,
    "monetary" DECIMAL(20,4),
    "r" SMALLINT,
    "f" SMALLINT,
    "m" SMALLINT,
    "fm" SMALLINT,
    "segment" TEXT NOT NULL,
    "rule_set" TEXT NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "customer_rfm_pkey" PRIMARY KEY ("shop_id","customer_shopify_id")
);

-- CreateTable
CREATE TABLE "rfm_segment_changes" (
    "id" BIGSERIAL NOT NULL,
    "shop_id" INTEGER NOT NULL,
    "customer_shopify_id" BIGINT NOT NULL,
    "from_segment" TEXT,
    "to_segment" TEXT NOT NULL,
    "changed_at" TIMESTAMPTZ NOT NULL,
    "rule_set" TEXT NOT NULL,

    CONSTRAINT "rfm_segment_changes_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "rfm_runs" (
    "id" SERIAL NOT NULL,
    "shop_id" INTEGER NOT NULL,
    "rule_set" TEXT NOT NULL,
    "as_of" TIMESTAMPTZ NOT NULL,
    "scored_customers" INTEGER NOT NULL,
    "prospects" INTEGER NOT NULL,
    "recency_breakpoints" INTEGER[],
    "frequency_breakpoints" INTEGER[],
    "monetary_breakpoints" DECIMAL(20,4)[],
    "rows_written" INTEGER NOT NULL,
    "rows_deleted" INTEGER NOT NULL,
    "segment_changes" INTEGER NOT NULL,
    "started_at" TIMESTAMPTZ NOT NULL,
    "finished_at" TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "rfm_runs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "rfm_segment_grid" (
    "rule_set" TEXT NOT NULL,
    "r" SMALLINT NOT NULL,
    "fm" SMALLINT NOT NULL,
    "segment" TEXT NOT NULL,

    CONSTRAINT "rfm_segment_grid_pkey" PRIMARY KEY ("rule_set","r","fm")
);

-- CreateIndex
CREATE INDEX "customer_rfm_shop_id_segment_idx" ON "customer_rfm"("shop_id", "segment");

-- CreateIndex
CREATE INDEX "rfm_segment_changes_shop_id_changed_at_idx" ON "rfm_segment_changes"("shop_id", "changed_at");

-- CreateIndex
CREATE INDEX "rfm_segment_changes_shop_id_customer_shopify_id_changed_at_idx" ON "rfm_segment_changes"("shop_id", "customer_shopify_id", "changed_at");

-- CreateIndex
CREATE INDEX "rfm_runs_shop_id_id_idx" ON "rfm_runs"("shop_id", "id" DESC);

-- AddForeignKey
ALTER TABLE "customer_rfm" ADD CONSTRAINT "customer_rfm_shop_id_fkey" FOREIGN KEY ("shop_id") REFERENCES "shops"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "rfm_segment_changes" ADD CONSTRAINT "rfm_segment_changes_shop_id_fkey" FOREIGN KEY ("shop_id") REFERENCES "shops"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "rfm_runs" ADD CONSTRAINT "rfm_runs_shop_id_fkey" FOREIGN KEY ("shop_id") REFERENCES "shops"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- Rule set v1's grid (docs/rfm.md): the segment of each cell, r (rows) by fm (columns), in
-- Shopify's CustomerRfmGroup names. PROSPECTS (no eligible order) has no cell.
INSERT INTO "rfm_segment_grid" ("rule_set", "r", "fm", "segment")
SELECT 'v1', cell.r, cell.fm, cell.segment
FROM (VALUES
  (5, 1, 'NEW'),             (5, 2, 'PROMISING'),       (5, 3, 'ACTIVE'),      (5, 4, 'LOYAL'),            (5, 5, 'CHAMPIONS'),
  (4, 1, 'PROMISING'),       (4, 2, 'PROMISING'),       (4, 3, 'ACTIVE'),      (4, 4, 'LOYAL'),            (4, 5, 'CHAMPIONS'),
  (3, 1, 'NEEDS_ATTENTION'), (3, 2, 'NEEDS_ATTENTION'), (3, 3, 'ACTIVE'),      (3, 4, 'LOYAL'),            (3, 5, 'LOYAL'),
  (2, 1, 'ALMOST_LOST'),     (2, 2, 'ALMOST_LOST'),     (2, 3, 'AT_RISK'),     (2, 4, 'AT_RISK'),          (2, 5, 'PREVIOUSLY_LOYAL'),
  (1, 1, 'DORMANT'),         (1, 2, 'DORMANT'),         (1, 3, 'ALMOST_LOST'), (1, 4, 'PREVIOUSLY_LOYAL'), (1, 5, 'PREVIOUSLY_LOYAL')
) AS cell (r, fm, segment);
