/**
 * Search boxes: what the merchant typed, as ILIKE patterns the trigram indexes can serve, and the
 * choice between two ways to answer a search for one page of a sorted list.
 *
 * A trigram index needs words of three characters or more; a search made only of shorter words is
 * not run (the page asks for more), since it could only be answered by reading every row.
 *
 * - Matches first: find every match through the trigram index, then sort them. Costs about one row
 *   read per match: right when matches are few.
 * - Walk the sort's index and filter until the page is full. Costs about (page ÷ share of rows that
 *   match) rows: right when matches are common ("example", "gmail").
 *
 * Postgres makes this choice itself for a LIMIT query, but trusts its estimate of how many rows
 * match; several words are estimated as independent, so "grace hopper" (two common words, rarely
 * together) looks common, and a search that matches nothing walks the whole shop. Recur asks for the
 * same estimates (EXPLAIN, no execution) and decides with a margin towards matches first: that path
 * is bounded by the matches, the other by the shop.
 */
import type { Queryable } from "../../jobs/enqueue.server.ts";

export const MIN_WORD = 3;

/** Up to five words, or nothing when no word is long enough to search with. */
export function parseSearchText(text: string | undefined): string[] | null {
  const words = (text ?? "").trim().split(/\s+/).filter(Boolean).slice(0, 5);
  if (!words.some((word) => word.length >= MIN_WORD)) return null;
  return words;
}

/** Whether the text is a search too short to run (the page says so). */
export function searchTooShort(text: string | undefined): boolean {
  return Boolean(text?.trim()) && parseSearchText(text) === null;
}

async function estimatedRows(db: Queryable, sql: string, params: unknown[]): Promise<number> {
  const { rows } = await db.query<{ "QUERY PLAN": [{ Plan: { "Plan Rows": number } }] }>(
    `EXPLAIN (FORMAT JSON) ${sql}`,
    params,
  );
  return rows[0]?.["QUERY PLAN"][0]?.Plan["Plan Rows"] ?? 0;
}

/**
 * Whether to find the matches first. `from` and `where` select the list's rows (with $1 only);
 * `search` adds the search's conditions (with the rest of `params`).
 */
export async function matchesFirst(
  db: Queryable,
  query: { from: string; where: string[]; search: string[]; params: unknown[]; pageSize: number },
): Promise<boolean> {
  const [all, matching] = await Promise.all([
    estimatedRows(db, `SELECT 1 FROM ${query.from} WHERE ${query.where.join(" AND ")}`, [
      query.params[0],
    ]),
    estimatedRows(
      db,
      `SELECT 1 FROM ${query.from} WHERE ${[...query.where, ...query.search].join(" AND ")}`,
      query.params,
    ),
  ]);
  // Break-even near matching = sqrt(page × all); the factor leans towards the bounded path.
  return matching * matching < 16 * query.pageSize * Math.max(all, 1);
}

/** `%word%`, with LIKE's own wildcards in the word taken literally. */
export function containsPattern(term: string): string {
  return `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
