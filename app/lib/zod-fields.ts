/**
 * The zod field types Recur's schemas share: Shopify's values as both its webhooks (REST) and its
 * bulk results (GraphQL) carry them, and the ids the admin's URLs name. One definition each; the
 * payload schemas (app/lib/webhooks/payloads.ts), the bulk result's lines
 * (app/lib/sync/bulk-records.ts) and the admin's routes import them.
 */
import { z } from "zod";
import { isShopifyId } from "./db/records.ts";

/** An ISO 8601 date and time with its offset, as Shopify writes them ("2026-11-20T10:00:00-05:00"). */
export const timestamp = z.iso.datetime({ offset: true });

/** A decimal as Shopify writes money and quantities in strings ("12.50", "-3"). */
export const decimal = z.string().regex(/^-?\d+(\.\d+)?$/);

/** A string Shopify may send empty: absent and `null` are both `null`. */
export const nullableString = z
  .string()
  .nullish()
  .transform((value) => value ?? null);

/** A row id Recur assigned (a PostgreSQL `serial`, 1 to 2^31 - 1) as a URL names it. */
export const serialId = z.coerce.number().int().positive().max(2_147_483_647);

/** A Shopify id (1 to 2^64 - 1) as a URL names it: a canonical decimal string. */
export const shopifyIdText = z.string().refine(isShopifyId);
