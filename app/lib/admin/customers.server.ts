/**
 * The customers Recur holds for a shop: the list (search, sort, keyset pages) and one customer with
 * their orders. Only live rows: not deleted, and with a profile (rows without one are placeholders
 * made by tag or summary webhooks, or by a redaction, before the customer itself arrived).
 */
import { z } from "zod";
import type { Queryable } from "../../db.server.ts";
import {
  keysetPage,
  PAGE_SIZE,
  pageFields,
  sortedListSchema,
  type Direction,
  type Page,
} from "./keyset.server.ts";
import {
  containsPattern,
  everyWordPattern,
  parseSearchText,
  searchedPage,
  type Conditions,
} from "./search.server.ts";
import { liveRow } from "../db/records.ts";

export const CUSTOMER_SORTS = {
  updated: { column: "c.shopify_updated_at", columnType: "timestamptz", nullable: false },
  created: { column: "c.shopify_created_at", columnType: "timestamptz", nullable: true },
  last_name: { column: "c.last_name", columnType: "text", nullable: true },
  amount_spent: { column: "c.amount_spent", columnType: "numeric", nullable: true },
} as const;

export type CustomerSort = keyof typeof CUSTOMER_SORTS;

/** The list's query string. */
export const customerListSchema = sortedListSchema(
  Object.keys(CUSTOMER_SORTS) as [CustomerSort, ...CustomerSort[]],
  "updated",
);
export type CustomerListInput = z.output<typeof customerListSchema>;

export interface CustomerListRow {
  id: string;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  state: string | null;
  numberOfOrders: number | null;
  amountSpent: string | null;
  currencyCode: string | null;
  createdAt: Date | null;
  updatedAt: Date;
}

const LIST_FIELDS = `c.shopify_id::text AS id, c.first_name AS "firstName",
  c.last_name AS "lastName", c.email, c.state, c.number_of_orders AS "numberOfOrders",
  c.amount_spent::text AS "amountSpent", c.currency_code AS "currencyCode",
  c.shopify_created_at AS "createdAt", c.shopify_updated_at AS "updatedAt"`;

/**
 * A customer's searchable text: first name, last name and email, space-separated, exactly the
 * expression of the trigram index customers_admin_search_text_idx. A search word holds no space,
 * so it is in this text exactly when it is in one of the three fields.
 */
export const searchText = (alias: string) =>
  `(coalesce(${alias}.first_name, '') || ' ' || coalesce(${alias}.last_name, '') || ' ' || coalesce(${alias}.email, ''))`;

/**
 * "Every word is in the first name, last name or email", for bound patterns: one condition per
 * word on one indexed text, so that one scan of the trigram index checks every word.
 */
export function wordsMatch(alias: string, patterns: string[]): string[] {
  return patterns.map((p) => `${searchText(alias)} ILIKE ${p}`);
}

/**
 * The same, as the planner should estimate it (search.server.ts): every word at once, one pattern
 * on the searchable text of `m`, for the shop `shopId` ($1).
 */
export function wordsTogether(shopId: number, words: string[]): Conditions {
  return { where: [`${searchText("m")} ~* $2`], params: [shopId, everyWordPattern(words)] };
}

export async function listCustomers(
  db: Queryable,
  shopId: number,
  input: CustomerListInput,
  { walkBudgetMs }: { walkBudgetMs?: number } = {},
): Promise<Page<CustomerListRow>> {
  const params: unknown[] = [shopId];
  const words = parseSearchText(input.q);
  const patterns = words?.map((word) => `$${params.push(containsPattern(word))}`);
  const together = words ? wordsTogether(shopId, words) : undefined;
  // See search.server.ts.
  return searchedPage(db, {
    table: "customers",
    page: (db, source) =>
      keysetPage<CustomerListRow>(db, {
        with: source.with,
        select: `SELECT ${LIST_FIELDS} FROM ${source.from} c`,
        where: ["c.shop_id = $1", liveRow("c"), ...source.where],
        params,
        ...CUSTOMER_SORTS[input.sort],
        id: "c.shopify_id",
        idType: "numeric(20, 0)",
        direction: input.direction as Direction,
        page: input,
      }),
    search: patterns && {
      live: ["m.shop_id = $1", liveRow("m")],
      search: wordsMatch("m", patterns),
      walk: wordsMatch("c", patterns),
      params,
      together,
    },
    pageSize: PAGE_SIZE,
    budgetMs: walkBudgetMs,
  });
}

export interface CustomerDetail extends CustomerListRow {
  phone: string | null;
  verifiedEmail: boolean | null;
  tags: string[];
  purchasingSummaryAt: Date | null;
  redactedAt: Date | null;
  syncedAt: Date;
}

/** One live customer of the shop, or nothing (another shop's id, a deleted one, a placeholder). */
export async function findCustomer(
  db: Queryable,
  shopId: number,
  customerId: string,
): Promise<CustomerDetail | undefined> {
  const { rows } = await db.query<CustomerDetail>(
    `SELECT ${LIST_FIELDS}, c.phone, c.verified_email AS "verifiedEmail", c.tags,
       c.purchasing_summary_at AS "purchasingSummaryAt", c.redacted_at AS "redactedAt",
       c.synced_at AS "syncedAt"
     FROM customers c
     WHERE c.shop_id = $1 AND c.shopify_id = $2 AND ${liveRow("c")}`,
    [shopId, customerId],
  );
  return rows[0];
}

export const customerOrdersSchema = z.object({
  ...pageFields,
});

export interface CustomerOrderRow {
  id: string;
  name: string | null;
  createdAt: Date | null;
  financialStatus: string | null;
  fulfillmentStatus: string | null;
  totalPrice: string | null;
  currencyCode: string | null;
  cancelledAt: Date | null;
  lineItems: number;
}

/** A customer's orders, newest first. */
export async function listCustomerOrders(
  db: Queryable,
  shopId: number,
  customerId: string,
  input: z.output<typeof customerOrdersSchema>,
): Promise<Page<CustomerOrderRow>> {
  return keysetPage<CustomerOrderRow>(db, {
    select: `SELECT o.shopify_id::text AS id, o.name, o.shopify_created_at AS "createdAt",
      o.financial_status AS "financialStatus", o.fulfillment_status AS "fulfillmentStatus",
      o.total_price::text AS "totalPrice", o.currency_code AS "currencyCode",
      o.cancelled_at AS "cancelledAt",
      (SELECT count(*)::int FROM order_line_items li
        WHERE li.shop_id = o.shop_id AND li.order_shopify_id = o.shopify_id) AS "lineItems"
      FROM orders o`,
    where: ["o.shop_id = $1", "o.customer_shopify_id = $2", liveRow("o")],
    params: [shopId, customerId],
    column: "o.shopify_created_at",
    columnType: "timestamptz",
    nullable: true,
    id: "o.shopify_id",
    idType: "numeric(20, 0)",
    direction: "desc",
    page: input,
  });
}
