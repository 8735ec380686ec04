-- AlterTable
ALTER TABLE "sync_runs" ADD COLUMN     "bulk_status" TEXT,
ADD COLUMN     "ingest_queued_at" TIMESTAMPTZ;

