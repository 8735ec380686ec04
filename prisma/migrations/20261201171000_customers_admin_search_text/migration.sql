-- The customer list's search: one trigram index over a customer's searchable text (first name,
-- last name and email, space-separated; app/lib/admin/customers.server.ts `searchText`), so that
-- one index scan checks every word of a search, instead of one index scan per word and field
-- (docs/decisions/054-customer-search-one-indexed-text.md). Prisma's schema language cannot
-- express an expression index: tests/integration/migrations.test.ts lists it.
DROP INDEX "customers_admin_search_idx";

CREATE INDEX "customers_admin_search_text_idx" ON "customers" USING GIN (
  (coalesce(first_name, '') || ' ' || coalesce(last_name, '') || ' ' || coalesce(email, ''))
  gin_trgm_ops);
