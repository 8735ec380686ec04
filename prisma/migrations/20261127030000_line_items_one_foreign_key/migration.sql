-- DropForeignKey
ALTER TABLE "order_line_items" DROP CONSTRAINT "order_line_items_shop_id_fkey";

