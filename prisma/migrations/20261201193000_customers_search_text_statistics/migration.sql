-- The customer search's estimates: ANALYZE keeps a sample of 1,000 values (instead of the default
-- 100) of a customer's searchable text, the expression of customers_admin_search_text_idx. The
-- customer lists ask the planner how many customers hold every word of a search at once, which it
-- answers by checking the words against this sample (docs/decisions/064-customer-search-words-together.md):
-- with 1,000 values it tells a share of 0.1 % from none, with 100 only 1 %. ANALYZE of customers
-- then samples 300,000 rows instead of 30,000.
ALTER INDEX "customers_admin_search_text_idx" ALTER COLUMN 1 SET STATISTICS 1000;
