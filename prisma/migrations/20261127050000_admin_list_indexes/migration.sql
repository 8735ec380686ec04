-- CreateExtension
CREATE EXTENSION IF NOT EXISTS "pg_trgm";

-- CreateIndex
CREATE INDEX "customers_admin_updated_idx" ON "customers"("shop_id", "shopify_updated_at", "shopify_id");

-- CreateIndex
CREATE INDEX "customers_admin_created_idx" ON "customers"("shop_id", "shopify_created_at", "shopify_id");

-- CreateIndex
CREATE INDEX "customers_admin_last_name_idx" ON "customers"("shop_id", "last_name", "shopify_id");

-- CreateIndex
CREATE INDEX "customers_admin_amount_spent_idx" ON "customers"("shop_id", "amount_spent", "shopify_id");

-- CreateIndex
CREATE INDEX "customers_admin_search_idx" ON "customers" USING GIN ("first_name" gin_trgm_ops, "last_name" gin_trgm_ops, "email" gin_trgm_ops);

-- CreateIndex
CREATE INDEX "orders_admin_created_idx" ON "orders"("shop_id", "shopify_created_at", "shopify_id");

-- CreateIndex
CREATE INDEX "orders_admin_total_price_idx" ON "orders"("shop_id", "total_price", "shopify_id");

-- CreateIndex
CREATE INDEX "orders_admin_search_idx" ON "orders" USING GIN ("name" gin_trgm_ops, "email" gin_trgm_ops);

-- CreateIndex
CREATE INDEX "webhook_deliveries_admin_received_idx" ON "webhook_deliveries"("shop_domain", "received_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "webhook_deliveries_admin_topic_idx" ON "webhook_deliveries"("shop_domain", "topic", "received_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "sync_runs_admin_history_idx" ON "sync_runs"("shop_id", "id" DESC);


-- The indexes above begin with these three; each served only queries the longer one serves too.
-- DropIndex
DROP INDEX "customers_shop_id_shopify_updated_at_idx";

-- DropIndex
DROP INDEX "orders_shop_id_shopify_created_at_idx";

-- DropIndex
DROP INDEX "webhook_deliveries_shop_domain_received_at_idx";
