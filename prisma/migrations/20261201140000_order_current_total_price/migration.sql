-- AlterTable
ALTER TABLE "orders" ADD COLUMN     "current_total_price" DECIMAL(20,4);
