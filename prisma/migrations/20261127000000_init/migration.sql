-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "shop_state" AS ENUM ('installed', 'uninstalled');

-- CreateEnum
CREATE TYPE "delivery_status" AS ENUM ('received', 'processing', 'processed', 'ignored', 'dead_letter');

-- CreateEnum
CREATE TYPE "sync_kind" AS ENUM ('full', 'incremental');

-- CreateEnum
CREATE TYPE "sync_entity" AS ENUM ('customers', 'orders');

-- CreateEnum
CREATE TYPE "sync_run_status" AS ENUM ('running', 'completed', 'failed', 'canceled');

-- CreateTable
CREATE TABLE "sessions" (
    "id" TEXT NOT NULL,
    "shop" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "isOnline" BOOLEAN NOT NULL DEFAULT false,
    "scope" TEXT,
    "expires" TIMESTAMP(3),
    "accessToken" TEXT NOT NULL,
    "userId" BIGINT,
    "firstName" TEXT,
    "lastName" TEXT,
    "email" TEXT,
    "accountOwner" BOOLEAN NOT NULL DEFAULT false,
    "locale" TEXT,
    "collaborator" BOOLEAN DEFAULT false,
    "emailVerified" BOOLEAN DEFAULT false,
    "refreshToken" TEXT,
    "refreshTokenExpires" TIMESTAMP(3),

    CONSTRAINT "sessions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "shops" (
    "id" SERIAL NOT NULL,
    "domain" TEXT NOT NULL,
    "shopify_id" BIGINT,
    "name" TEXT,
    "currency_code" TEXT,
    "state" "shop_state" NOT NULL DEFAULT 'installed',
    "scopes" TEXT,
    "installed_at" TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "uninstalled_at" TIMESTAMPTZ,
    "redacted_at" TIMESTAMPTZ,
    "created_at" TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "shops_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "customers" (
    "shop_id" INTEGER NOT NULL,
    "shopify_id" BIGINT NOT NULL,
    "email" TEXT,
    "first_name" TEXT,
    "last_name" TEXT,
    "phone" TEXT,
    "state" TEXT,
    "tags" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "verified_email" BOOLEAN,
    "number_of_orders" INTEGER,
    "amount_spent" DECIMAL(20,4),
    "currency_code" TEXT,
    "shopify_created_at" TIMESTAMPTZ,
    "shopify_updated_at" TIMESTAMPTZ,
    "deleted_at" TIMESTAMPTZ,
    "redacted_at" TIMESTAMPTZ,
    "synced_at" TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "customers_pkey" PRIMARY KEY ("shop_id","shopify_id")
);

-- CreateTable
CREATE TABLE "orders" (
    "shop_id" INTEGER NOT NULL,
    "shopify_id" BIGINT NOT NULL,
    "name" TEXT,
    "email" TEXT,
    "customer_shopify_id" BIGINT,
    "shopify_created_at" TIMESTAMPTZ,
    "processed_at" TIMESTAMPTZ,
    "cancelled_at" TIMESTAMPTZ,
    "cancel_reason" TEXT,
    "financial_status" TEXT,
    "fulfillment_status" TEXT,
    "currency_code" TEXT,
    "total_price" DECIMAL(20,4),
    "subtotal_price" DECIMAL(20,4),
    "test" BOOLEAN,
    "tags" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "shopify_updated_at" TIMESTAMPTZ,
    "deleted_at" TIMESTAMPTZ,
    "redacted_at" TIMESTAMPTZ,
    "synced_at" TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "orders_pkey" PRIMARY KEY ("shop_id","shopify_id")
);

-- CreateTable
CREATE TABLE "order_line_items" (
    "shop_id" INTEGER NOT NULL,
    "shopify_id" BIGINT NOT NULL,
    "order_shopify_id" BIGINT NOT NULL,
    "product_shopify_id" BIGINT,
    "variant_shopify_id" BIGINT,
    "title" TEXT,
    "variant_title" TEXT,
    "sku" TEXT,
    "quantity" INTEGER NOT NULL,
    "price" DECIMAL(20,4) NOT NULL,

    CONSTRAINT "order_line_items_pkey" PRIMARY KEY ("shop_id","shopify_id")
);

-- CreateTable
CREATE TABLE "webhook_deliveries" (
    "id" TEXT NOT NULL,
    "event_id" TEXT,
    "topic" TEXT NOT NULL,
    "shop_domain" TEXT NOT NULL,
    "api_version" TEXT NOT NULL,
    "subscription_name" TEXT,
    "triggered_at" TIMESTAMPTZ,
    "received_at" TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "payload" JSONB NOT NULL,
    "status" "delivery_status" NOT NULL DEFAULT 'received',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,
    "processed_at" TIMESTAMPTZ,

    CONSTRAINT "webhook_deliveries_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "sync_runs" (
    "id" SERIAL NOT NULL,
    "shop_id" INTEGER NOT NULL,
    "kind" "sync_kind" NOT NULL,
    "entity" "sync_entity" NOT NULL,
    "status" "sync_run_status" NOT NULL DEFAULT 'running',
    "bulk_operation_id" TEXT,
    "search_query" TEXT,
    "object_count" BIGINT NOT NULL DEFAULT 0,
    "rows_written" INTEGER NOT NULL DEFAULT 0,
    "rows_skipped" INTEGER NOT NULL DEFAULT 0,
    "lines_rejected" INTEGER NOT NULL DEFAULT 0,
    "partial" BOOLEAN NOT NULL DEFAULT false,
    "error_code" TEXT,
    "error_message" TEXT,
    "started_at" TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ,

    CONSTRAINT "sync_runs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "data_requests" (
    "id" SERIAL NOT NULL,
    "shop_id" INTEGER NOT NULL,
    "shopify_request_id" BIGINT NOT NULL,
    "customer_shopify_id" BIGINT,
    "customer_email" TEXT,
    "orders_requested" BIGINT[] DEFAULT ARRAY[]::BIGINT[],
    "delivery_id" TEXT NOT NULL,
    "export" JSONB NOT NULL,
    "requested_at" TIMESTAMPTZ NOT NULL,

    CONSTRAINT "data_requests_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "worker_heartbeats" (
    "worker_id" TEXT NOT NULL,
    "hostname" TEXT NOT NULL,
    "pid" INTEGER NOT NULL,
    "started_at" TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_seen_at" TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "worker_heartbeats_pkey" PRIMARY KEY ("worker_id")
);

-- CreateIndex
CREATE INDEX "sessions_shop_idx" ON "sessions"("shop");

-- CreateIndex
CREATE UNIQUE INDEX "shops_domain_key" ON "shops"("domain");

-- CreateIndex
CREATE INDEX "customers_shop_id_shopify_updated_at_idx" ON "customers"("shop_id", "shopify_updated_at");

-- CreateIndex
CREATE INDEX "customers_shop_id_email_idx" ON "customers"("shop_id", "email");

-- CreateIndex
CREATE INDEX "orders_shop_id_customer_shopify_id_idx" ON "orders"("shop_id", "customer_shopify_id");

-- CreateIndex
CREATE INDEX "orders_shop_id_shopify_created_at_idx" ON "orders"("shop_id", "shopify_created_at");

-- CreateIndex
CREATE INDEX "orders_shop_id_shopify_updated_at_idx" ON "orders"("shop_id", "shopify_updated_at");

-- CreateIndex
CREATE INDEX "order_line_items_shop_id_order_shopify_id_idx" ON "order_line_items"("shop_id", "order_shopify_id");

-- CreateIndex
CREATE INDEX "webhook_deliveries_shop_domain_received_at_idx" ON "webhook_deliveries"("shop_domain", "received_at" DESC);

-- CreateIndex
CREATE INDEX "webhook_deliveries_shop_domain_status_idx" ON "webhook_deliveries"("shop_domain", "status");

-- CreateIndex
CREATE INDEX "webhook_deliveries_shop_domain_event_id_idx" ON "webhook_deliveries"("shop_domain", "event_id");

-- CreateIndex
CREATE INDEX "sync_runs_shop_id_started_at_idx" ON "sync_runs"("shop_id", "started_at" DESC);

-- CreateIndex
CREATE INDEX "sync_runs_bulk_operation_id_idx" ON "sync_runs"("bulk_operation_id");

-- CreateIndex
CREATE UNIQUE INDEX "data_requests_shop_id_shopify_request_id_key" ON "data_requests"("shop_id", "shopify_request_id");

-- AddForeignKey
ALTER TABLE "customers" ADD CONSTRAINT "customers_shop_id_fkey" FOREIGN KEY ("shop_id") REFERENCES "shops"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "orders" ADD CONSTRAINT "orders_shop_id_fkey" FOREIGN KEY ("shop_id") REFERENCES "shops"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "order_line_items" ADD CONSTRAINT "order_line_items_shop_id_fkey" FOREIGN KEY ("shop_id") REFERENCES "shops"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "order_line_items" ADD CONSTRAINT "order_line_items_shop_id_order_shopify_id_fkey" FOREIGN KEY ("shop_id", "order_shopify_id") REFERENCES "orders"("shop_id", "shopify_id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "sync_runs" ADD CONSTRAINT "sync_runs_shop_id_fkey" FOREIGN KEY ("shop_id") REFERENCES "shops"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "data_requests" ADD CONSTRAINT "data_requests_shop_id_fkey" FOREIGN KEY ("shop_id") REFERENCES "shops"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- At most one running sync run per shop and entity. Prisma's schema language cannot express a
-- partial unique index, so it lives only here.
CREATE UNIQUE INDEX "sync_runs_one_running_per_shop_entity" ON "sync_runs"("shop_id", "entity") WHERE "status" = 'running';
