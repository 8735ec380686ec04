-- DropIndex
DROP INDEX "webhook_deliveries_shop_domain_event_id_idx";


-- At most one delivery of an event (X-Shopify-Event-Id) is processed; a twin that loses the race
-- fails to settle and is recorded as ignored. (Partial: Prisma's schema language cannot say it.)
CREATE UNIQUE INDEX "webhook_deliveries_one_processed_per_event" ON "webhook_deliveries"("shop_domain", "event_id") WHERE "status" = 'processed' AND "event_id" IS NOT NULL;
