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
 * asks for estimates itself (EXPLAIN, no execution): when matches look few, it finds them first;
 * otherwise it walks, but within a time budget (a statement timeout), and answers from the matches
 * when the walk runs out of it. Either way the page is the same; the cost is bounded by the budget
 * plus the matches, never by the shop.
 *
 * A list that searches one text (the customers') asks for the estimate of every word at once: one
 * regular expression (`everyWordPattern`) that the planner checks against its sample of that text's
 * values, as it does a single ILIKE (docs/decisions/064). That estimate errs by the sample's noise
 * only, not by the words' independence, so it decides with a smaller margin, and its walk may run for
 * about as long as finding the estimated matches would take.
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

/** Conditions and their parameters: `$1` is the shop. */
export interface Conditions {
  where: string[];
  params: unknown[];
}

/**
 * The planner's estimates of the list's rows (`live`) and of its matches (`live` and `matching`), on
 * `from`. `live` binds $1 only.
 */
async function estimates(
  db: Queryable,
  from: string,
  live: string[],
  matching: Conditions,
): Promise<{ all: number; matching: number }> {
  const [all, matches] = await Promise.all([
    estimatedRows(db, `SELECT 1 FROM ${from} WHERE ${live.join(" AND ")}`, [matching.params[0]]),
    estimatedRows(
      db,
      `SELECT 1 FROM ${from} WHERE ${[...live, ...matching.where].join(" AND ")}`,
      matching.params,
    ),
  ]);
  return { all: Math.max(all, 1), matching: matches };
}

/**
 * Finding m matches costs about m rows; walking costs about page × all ÷ m rows: they break even
 * near m = sqrt(page × all). Matches are found first only when they look few by a margin, since the
 * two mistakes do not cost alike: a walk that should not have been costs at most its budget,
 * finding matches first that should not have been costs every match. The estimate of several words
 * as independent may be off by any factor either way: a quarter of the break-even. The estimate of
 * every word at once is off by its sample's noise only (ANALYZE's 1,000 values of the text, a count
 * of those that match): a half.
 */
function matchesLookFew(
  estimate: { all: number; matching: number },
  pageSize: number,
  together: boolean,
): boolean {
  const margin = together ? 2 : 4;
  return (margin * estimate.matching) ** 2 < pageSize * estimate.all;
}

/** How long a search may walk the sort's index before it is answered from its matches instead. */
const WALK_BUDGET_MS = 30;

/**
 * With the estimate of every word at once, a walk may run for about as long as fetching and sorting
 * its estimated matches takes (then the worst case, a walk that runs out and the matches after it,
 * costs about twice the matches), at least WALK_BUDGET_MS and at most MAX_WALK_BUDGET_MS. A match
 * costs about MATCH_MS: 15,625 matches of "grace hopper" in 350 ms on a loaded 2-core machine
 * (docs/decisions/064), about half of it on a quiet one.
 */
const MATCH_MS = 0.01;
const MAX_WALK_BUDGET_MS = 250;

function walkBudget(estimate: { matching: number }, together: boolean): number {
  if (!together) return WALK_BUDGET_MS;
  return Math.min(MAX_WALK_BUDGET_MS, Math.max(WALK_BUDGET_MS, estimate.matching * MATCH_MS));
}

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
    return await withTransaction(db as pg.Pool, walk, { statementTimeoutMs: Math.ceil(budgetMs) });
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
 * rest of `params`); `walk` is the search's conditions under the page's own alias. `together`, when
 * the list has it, is every word at once as one condition the planner estimates from its sample
 * (`everyWordPattern`), under `m`, with parameters of its own; without it, `search` is estimated.
 */
export async function searchedPage<T>(
  db: Queryable,
  options: {
    table: string;
    page: (db: Queryable, source: PageSource) => Promise<T>;
    search?: {
      live: string[];
      search: string[];
      walk: string[];
      params: unknown[];
      together?: Conditions;
    };
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
  const together = search.together !== undefined;
  const estimate = await estimates(
    db,
    `${table} m`,
    search.live,
    search.together ?? { where: search.search, params: search.params },
  );
  if (matchesLookFew(estimate, options.pageSize, together)) return fromMatches(db);
  const walked = await withinBudget(db, options.budgetMs ?? walkBudget(estimate, together), (db) =>
    page(db, { from: table, where: search.walk }),
  );
  return walked ?? fromMatches(db);
}

/**
 * "The text holds every word", as one case-insensitive regular expression (`~*`) of lookaheads,
 * `^(?=.*word)(?=.*other)`, its metacharacters taken literally. Only for estimates: the planner
 * checks it against its sample of the text's values as one condition, where several ILIKEs are
 * estimated one by one and multiplied. Trigram indexes cannot serve it: the searches run ILIKE.
 */
export function everyWordPattern(words: string[]): string {
  return `^${words.map((word) => `(?=.*${word.replace(/[\\^$.|?*+()[\]{}]/g, (c) => `\\${c}`)})`).join("")}`;
}

/** `%word%`, with LIKE's own wildcards in the word taken literally. */
export function containsPattern(term: string): string {
  return `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
