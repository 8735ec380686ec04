/**
 * A segment's customer list: the shop's live customers whose RFM row places them in the segment,
 * with the customer list's search, sorts and keyset pages (customers.server.ts, decision 015), plus
 * sorts by money spent (monetary) and by days since the last order (recency). Every query is
 * scoped to the shop.
 */
import type { z } from "zod";
import type { Queryable } from "../../db.server.ts";
import { SEGMENTS, type Segment } from "../rfm/rule-set.ts";
import { CUSTOMER_SORTS, wordsMatch, wordsTogether } from "./customers.server.ts";
import {
  keysetPage,
  PAGE_SIZE,
  sortedListSchema,
  type Direction,
  type Page,
} from "./keyset.server.ts";
import { containsPattern, parseSearchText, searchedPage } from "./search.server.ts";
import { liveRow } from "../db/records.ts";

export const SEGMENT_CUSTOMER_SORTS = {
  ...CUSTOMER_SORTS,
  monetary: { column: "s.monetary", columnType: "numeric", nullable: true },
  recency: { column: "s.recency_days", columnType: "int", nullable: true },
} as const;

export type SegmentCustomerSort = keyof typeof SEGMENT_CUSTOMER_SORTS;

/**
 * The sort a segment's list walks. A scored customer always has money and recency, so a scored
 * segment's list has no range without them to read; a prospect has neither, so the prospects' list
 * in money or recency order is in the order of its ties, the customer's id, and walks the scores'
 * primary key (the money index holds scored customers only, docs/decisions/082).
 */
function segmentSort(segment: Segment, name: SegmentCustomerSort) {
  const sort = SEGMENT_CUSTOMER_SORTS[name];
  if (!sort.column.startsWith("s.")) return sort;
  if (segment === "PROSPECTS") {
    return { column: "s.customer_shopify_id", columnType: "numeric", nullable: false } as const;
  }
  return { ...sort, nullable: false } as const;
}

/** The list's query string; by default the customers who spent most come first. */
export const segmentCustomerListSchema = sortedListSchema(
  Object.keys(SEGMENT_CUSTOMER_SORTS) as [SegmentCustomerSort, ...SegmentCustomerSort[]],
  "monetary",
);
export type SegmentCustomerListInput = z.output<typeof segmentCustomerListSchema>;

/** A segment named in a URL: one of rule set v1's, in Shopify's spelling. */
export function parseSegment(text: string | undefined): Segment | undefined {
  return SEGMENTS.find((segment) => segment === text);
}

export interface SegmentCustomerRow {
  id: string;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  currencyCode: string | null;
  updatedAt: Date;
  recencyDays: number | null;
  frequency: number | null;
  monetary: string | null;
  r: number | null;
  f: number | null;
  m: number | null;
}

const FIELDS = `c.shopify_id::text AS id, c.first_name AS "firstName", c.last_name AS "lastName",
  c.email, c.currency_code AS "currencyCode", c.shopify_updated_at AS "updatedAt",
  s.recency_days AS "recencyDays", s.frequency, s.monetary::text AS monetary, s.r, s.f, s.m`;

export async function listSegmentCustomers(
  db: Queryable,
  shopId: number,
  segment: Segment,
  input: SegmentCustomerListInput,
  { walkBudgetMs }: { walkBudgetMs?: number } = {},
): Promise<Page<SegmentCustomerRow>> {
  // The segment is one of the rule set's names (checked here again), written into the SQL as a
  // literal: the search's row estimates bind the shop alone (search.server.ts).
  if (!SEGMENTS.includes(segment)) throw new Error(`Not a segment: ${segment}`);
  const inSegment = (alias: string) =>
    `EXISTS (SELECT 1 FROM customer_rfm x WHERE x.shop_id = ${alias}.shop_id
       AND x.customer_shopify_id = ${alias}.shopify_id AND x.segment = '${segment}')`;
  const params: unknown[] = [shopId];
  const words = parseSearchText(input.q);
  const patterns = words?.map((word) => `$${params.push(containsPattern(word))}`);
  const together = words ? wordsTogether(shopId, words) : undefined;
  const sort = segmentSort(segment, input.sort);
  return searchedPage(db, {
    table: "customers",
    page: (db, source) =>
      keysetPage<SegmentCustomerRow>(db, {
        with: source.with,
        select: `SELECT ${FIELDS} FROM ${source.from} c
          JOIN customer_rfm s ON s.shop_id = c.shop_id AND s.customer_shopify_id = c.shopify_id`,
        where: [
          "c.shop_id = $1",
          "s.shop_id = $1",
          `s.segment = '${segment}'`,
          liveRow("c"),
          ...source.where,
        ],
        params,
        ...sort,
        // The money sort walks customer_rfm_scores' (shop, segment, monetary, id) index of scored
        // customers, and the prospects' its primary key (segmentSort); recency, derived on the
        // shop's clock (docs/decisions/060), is sorted within the segment; the customer sorts walk
        // the customers' own indexes, as the customer list does.
        id: sort.column.startsWith("s.") ? "s.customer_shopify_id" : "c.shopify_id",
        idType: "numeric(20, 0)",
        direction: input.direction as Direction,
        page: input,
      }),
    search: patterns && {
      live: ["m.shop_id = $1", liveRow("m"), inSegment("m")],
      search: wordsMatch("m", patterns),
      walk: wordsMatch("c", patterns),
      params,
      together,
    },
    pageSize: PAGE_SIZE,
    budgetMs: walkBudgetMs,
  });
}
