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
 * match; several words are estimated as independent, so "ada grace" (two common words that never
 * meet: an email holds one first name) looks common, and walking for it reads the whole shop. Recur
 * asks for the same estimates (EXPLAIN, no execution): when matches look few, it finds them first;
 * otherwise it walks, but within a time budget (a statement timeout), and answers from the matches
 * when the walk runs out of it. Either way the page is the same; the cost is bounded by the budget
 * plus the matches, never by the shop.
 */
import type pg from "pg";
import { withTransaction, type Queryable } from "../../db.server.ts";

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
 * Whether matches look few enough to find first. `from` and `where` select the list's rows (with
 * $1 only); `search` adds the search's conditions (with the rest of `params`).
 */
async function matchesLookFew(
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
  // Finding m matches costs about m rows; walking costs about page × all ÷ m rows: they break even
  // near m = sqrt(page × all). The estimate of several words may be off by any factor either way,
  // and the two mistakes do not cost alike: a walk that should not have been costs at most its
  // budget, finding matches first that should not have been costs every match. So matches are
  // found first only when they look few by a margin (a quarter of the break-even).
  return 16 * matching * matching < query.pageSize * Math.max(all, 1);
}

/** How long a search may walk the sort's index before it is answered from its matches instead. */
const WALK_BUDGET_MS = 30;

/**
 * Runs `walk` under a statement timeout of `budgetMs`, on a connection of its own in a transaction
 * (`SET LOCAL`), and returns nothing when the timeout cancels it. `db` is the pool; a caller's
 * connection (already in a transaction, as in the plan tests) runs the walk without a budget.
 */
async function withinBudget<T>(
  db: Queryable,
  budgetMs: number,
  walk: (db: Queryable) => Promise<T>,
): Promise<T | undefined> {
  if (!("connect" in db) || !("totalCount" in db)) return walk(db);
  try {
    return await withTransaction(db as pg.Pool, walk, { statementTimeoutMs: budgetMs });
  } catch (error) {
    if ((error as { code?: string }).code === QUERY_CANCELED) return undefined;
    throw error;
  }
}

/** SQLSTATE of a statement cancelled by statement_timeout. */
const QUERY_CANCELED = "57014";

/** Where a page of a list reads its rows from. */
export interface PageSource {
  /** A common table expression the page needs (`matches AS MATERIALIZED (...)`). */
  with?: string;
  /** The relation the page reads, under the list's alias: the list's table, or its matches. */
  from: string;
  /** Conditions the page adds to the list's own. */
  where: string[];
}

/**
 * One page of a list, searched or not. `page` reads a page from a source. Without a search it reads
 * the table; with one, from the matches found first when they look few, otherwise from a walk of the
 * sort's index within the budget, or from the matches when the walk runs out of it.
 * `live` and `search` are conditions on the table under the alias `m` (with $1 the shop, and the
 * rest of `params`); `walk` is the search's conditions under the page's own alias.
 */
export async function searchedPage<T>(
  db: Queryable,
  options: {
    table: string;
    page: (db: Queryable, source: PageSource) => Promise<T>;
    search?: { live: string[]; search: string[]; walk: string[]; params: unknown[] };
    pageSize: number;
    budgetMs?: number;
  },
): Promise<T> {
  const { table, page, search } = options;
  if (!search) return page(db, { from: table, where: [] });
  const fromMatches = (db: Queryable) =>
    // The page reads the matched rows themselves: joined back to the table by id, the planner may
    // pick a scan of the whole table to hash-join the matches against.
    page(db, {
      with: `matches AS MATERIALIZED (
        SELECT m.* FROM ${table} m WHERE ${[...search.live, ...search.search].join(" AND ")})`,
      from: "matches",
      where: [],
    });
  const estimate = {
    from: `${table} m`,
    where: search.live,
    search: search.search,
    params: search.params,
    pageSize: options.pageSize,
  };
  if (await matchesLookFew(db, estimate)) return fromMatches(db);
  const walked = await withinBudget(db, options.budgetMs ?? WALK_BUDGET_MS, (db) =>
    page(db, { from: table, where: search.walk }),
  );
  return walked ?? fromMatches(db);
}

/** `%word%`, with LIKE's own wildcards in the word taken literally. */
export function containsPattern(term: string): string {
  return `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
