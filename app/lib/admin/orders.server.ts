/**
 * The orders Recur holds for a shop: search by order number, email or the customer's name; sort by
 * date or total; keyset pages. Only live rows (not deleted, not a redaction's placeholder).
 */
import type { z } from "zod";
import type { Queryable } from "../../db.server.ts";
import {
  keysetPage,
  PAGE_SIZE,
  sortedListSchema,
  type Direction,
  type Page,
} from "./keyset.server.ts";
import { containsPattern, parseSearchText, searchedPage } from "./search.server.ts";
import { liveRow } from "../db/records.ts";
import { searchText } from "./customers.server.ts";

/** Customers whose name matches a word, at most; their orders join the results. */
const NAME_MATCHES = 500;

export const ORDER_SORTS = {
  created: { column: "o.shopify_created_at", columnType: "timestamptz", nullable: true },
  total: { column: "o.total_price", columnType: "numeric", nullable: true },
} as const;

export type OrderSort = keyof typeof ORDER_SORTS;
/** The list's query string. */
export const orderListSchema = sortedListSchema(
  Object.keys(ORDER_SORTS) as [OrderSort, ...OrderSort[]],
  "created",
);
export type OrderListInput = z.output<typeof orderListSchema>;

export interface OrderListRow {
  id: string;
  name: string | null;
  email: string | null;
  customerId: string | null;
  customerName: string | null;
  createdAt: Date | null;
  financialStatus: string | null;
  fulfillmentStatus: string | null;
  totalPrice: string | null;
  currencyCode: string | null;
  cancelledAt: Date | null;
  test: boolean | null;
}

export async function listOrders(
  db: Queryable,
  shopId: number,
  input: OrderListInput,
  { walkBudgetMs }: { walkBudgetMs?: number } = {},
): Promise<Page<OrderListRow>> {
  const params: unknown[] = [shopId];
  const words = parseSearchText(input.q);
  const patterns = words?.map((word) => `$${params.push(containsPattern(word))}`);
  // An order matches when every word is in its number or email, or when its customer's name
  // holds every word. The customers' ids are computed once (an InitPlan), so `= ANY` can use the
  // orders' index on (shop_id, customer_shopify_id) beside the trigram index on name and email.
  const matching = (alias: string, patterns: string[]) => `((${patterns
    .map((p) => `(${alias}.name ILIKE ${p} OR ${alias}.email ILIKE ${p})`)
    .join(" AND ")})
    OR ${alias}.customer_shopify_id = ANY(ARRAY(
      SELECT n.shopify_id FROM customers n
      WHERE n.shop_id = $1 AND ${patterns
        // The customer's indexed search text finds the candidates; the name check keeps the
        // ones whose name (not email) holds the word.
        .map(
          (p) =>
            `${searchText("n")} ILIKE ${p} AND (n.first_name ILIKE ${p} OR n.last_name ILIKE ${p})`,
        )
        .join(" AND ")}
      LIMIT ${NAME_MATCHES})))`;
  // See search.server.ts.
  return searchedPage(db, {
    table: "orders",
    page: (db, source) =>
      keysetPage<OrderListRow>(db, {
        with: source.with,
        select: `SELECT o.shopify_id::text AS id, o.name, o.email,
          o.customer_shopify_id::text AS "customerId",
          (SELECT nullif(concat_ws(' ', c.first_name, c.last_name), '') FROM customers c
            WHERE c.shop_id = o.shop_id AND c.shopify_id = o.customer_shopify_id
              AND ${liveRow("c")}) AS "customerName",
          o.shopify_created_at AS "createdAt", o.financial_status AS "financialStatus",
          o.fulfillment_status AS "fulfillmentStatus", o.total_price::text AS "totalPrice",
          o.currency_code AS "currencyCode", o.cancelled_at AS "cancelledAt", o.test
          FROM ${source.from} o`,
        where: ["o.shop_id = $1", liveRow("o"), ...source.where],
        params,
        ...ORDER_SORTS[input.sort],
        id: "o.shopify_id",
        idType: "numeric(20, 0)",
        direction: input.direction as Direction,
        page: input,
      }),
    search: patterns && {
      live: ["m.shop_id = $1", liveRow("m")],
      search: [matching("m", patterns)],
      walk: [matching("o", patterns)],
      params,
    },
    pageSize: PAGE_SIZE,
    budgetMs: walkBudgetMs,
  });
}
