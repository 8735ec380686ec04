-- Shopify ids are unsigned 64-bit integers (1 to 2^64 - 1): bigint (signed) cannot hold the upper
-- half, so every Shopify id column becomes numeric(20, 0) (docs/decisions/018).

-- DropForeignKey
ALTER TABLE "order_line_items" DROP CONSTRAINT "order_line_items_shop_id_order_shopify_id_fkey";

-- AlterTable
ALTER TABLE "shops" ALTER COLUMN "shopify_id" SET DATA TYPE DECIMAL(20,0);

-- AlterTable
ALTER TABLE "customers" DROP CONSTRAINT "customers_pkey",
ALTER COLUMN "shopify_id" SET DATA TYPE DECIMAL(20,0),
ADD CONSTRAINT "customers_pkey" PRIMARY KEY ("shop_id", "shopify_id");

-- AlterTable
ALTER TABLE "orders" DROP CONSTRAINT "orders_pkey",
ALTER COLUMN "shopify_id" SET DATA TYPE DECIMAL(20,0),
ALTER COLUMN "customer_shopify_id" SET DATA TYPE DECIMAL(20,0),
ADD CONSTRAINT "orders_pkey" PRIMARY KEY ("shop_id", "shopify_id");

-- AlterTable
ALTER TABLE "order_line_items" DROP CONSTRAINT "order_line_items_pkey",
ALTER COLUMN "shopify_id" SET DATA TYPE DECIMAL(20,0),
ALTER COLUMN "order_shopify_id" SET DATA TYPE DECIMAL(20,0),
ALTER COLUMN "product_shopify_id" SET DATA TYPE DECIMAL(20,0),
ALTER COLUMN "variant_shopify_id" SET DATA TYPE DECIMAL(20,0),
ADD CONSTRAINT "order_line_items_pkey" PRIMARY KEY ("shop_id", "shopify_id");

-- AlterTable
ALTER TABLE "data_requests" ALTER COLUMN "shopify_request_id" SET DATA TYPE DECIMAL(20,0),
ALTER COLUMN "customer_shopify_id" SET DATA TYPE DECIMAL(20,0),
ALTER COLUMN "orders_requested" SET DATA TYPE DECIMAL(20,0)[],
-- Written by hand: the default keeps its old bigint[] expression otherwise (Prisma's diff omits it).
ALTER COLUMN "orders_requested" SET DEFAULT ARRAY[]::DECIMAL(20,0)[];

-- AddForeignKey
ALTER TABLE "order_line_items" ADD CONSTRAINT "order_line_items_shop_id_order_shopify_id_fkey" FOREIGN KEY ("shop_id", "order_shopify_id") REFERENCES "orders"("shop_id", "shopify_id") ON DELETE CASCADE ON UPDATE CASCADE;

