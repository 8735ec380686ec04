/**
 * Keyset (cursor) pagination for the admin's lists: a page is "the next N rows after this row in
 * this order", found by an index range scan whatever the page's depth (an OFFSET would read and
 * throw away every row before it).
 *
 * A list is ordered by one sort column, then the row id. A nullable sort column keeps its NULLs
 * last in both directions: the rows with a value and the rows without are two segments, each read
 * in index order by its own branch of a UNION ALL, so that both stay range scans of the sort's index.
 */
import { z } from "zod";
import type { Queryable } from "../../db.server.ts";
import { badRequest } from "./http.server.ts";

export type Direction = "asc" | "desc";

/** A row's place in a list: its sort value (as text, exactly as Postgres prints it) and its id. */
export interface Cursor {
  value: string | null;
  id: string;
}

const cursorSchema = z.tuple([z.string().nullable(), z.string().min(1)]);

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.value, cursor.id])).toString("base64url");
}

/**
 * Reads a cursor from the query string; a cursor that is not one of ours is a 400 (here when its
 * shape is wrong, in keysetPage when Postgres cannot read its value).
 */
export function decodeCursor(text: string): Cursor {
  try {
    const [value, id] = cursorSchema.parse(JSON.parse(Buffer.from(text, "base64url").toString()));
    return { value, id };
  } catch {
    throw badRequest("The page cursor is not valid; go back to the first page.");
  }
}

/** Rows per page of every admin list. */
export const PAGE_SIZE = 50;

/** The query-string fields of a list's page: the cursors of the previous or next page. */
export const pageFields = {
  after: z.string().max(500).optional(),
  before: z.string().max(500).optional(),
};

/** The query string of a searchable, sortable list: `pageFields` plus search text, sort and direction. */
export function sortedListSchema<S extends string>(sorts: readonly [S, ...S[]], defaultSort: S) {
  return z.object({
    q: z.string().max(200, "Search for at most 200 characters").optional(),
    sort: z.enum(sorts, { error: `sort must be one of ${sorts.join(", ")}` }).default(defaultSort),
    direction: z.enum(["asc", "desc"], { error: "direction must be asc or desc" }).default("desc"),
    ...pageFields,
  });
}

export interface KeysetQuery {
  /** Common table expressions the branches refer to (`name AS MATERIALIZED (...)`). */
  with?: string;
  /** `SELECT <fields> FROM <table> <alias>`: the fields the page shows. */
  select: string;
  /** Conditions every row of the list meets, with $1… placeholders into `params`. */
  where: string[];
  params: unknown[];
  /** The sort column, a plain column of an index that ends with `id`. */
  column: string;
  /** Its type, to read a cursor's text back: timestamptz, numeric, text. */
  columnType: string;
  nullable: boolean;
  /** The row id column and its type (numeric, text, int). */
  id: string;
  idType: string;
  direction: Direction;
  /**
   * The page's cursors from the query string: rows after `after`, or before `before`, in the
   * list's order; the first page without either.
   */
  page: { after?: string; before?: string };
  /** Rows per page; PAGE_SIZE by default. */
  size?: number;
}

export interface Page<T> {
  rows: T[];
  /** Cursors of the first and last rows, for the previous and next pages. */
  previous: string | null;
  next: string | null;
}

interface Segment {
  nulls: boolean;
  direction: Direction;
}

const flip = (direction: Direction): Direction => (direction === "asc" ? "desc" : "asc");

interface Internal {
  __segment: number;
  __sort: string | null;
  __id: string;
}

function isDataException(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.startsWith("22");
}

export async function keysetPage<T extends object>(
  db: Queryable,
  query: KeysetQuery,
): Promise<Page<T>> {
  const before = query.page.before ? decodeCursor(query.page.before) : undefined;
  const after = query.page.after ? decodeCursor(query.page.after) : undefined;
  const backwards = before !== undefined;
  const cursor = before ?? after;
  const size = query.size ?? PAGE_SIZE;
  // The list's order: the rows with a value, then (nullable columns) the rows without.
  let segments: Segment[] = [{ nulls: false, direction: query.direction }];
  if (query.nullable) segments.push({ nulls: true, direction: query.direction });
  // Going to the previous page reads the list backwards from the cursor, then turns the rows round.
  if (backwards) {
    segments = segments.reverse().map((s) => ({ ...s, direction: flip(s.direction) }));
  }
  const cursorSegment = cursor
    ? segments.findIndex((s) => s.nulls === (cursor.value === null))
    : -1;

  const params = [...query.params];
  const bind = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const limit = size + 1;
  const branches: string[] = [];
  segments.forEach((segment, index) => {
    if (cursor && index < cursorSegment) return; // Already behind the cursor.
    const where = [...query.where];
    where.push(`${query.column} IS ${segment.nulls ? "" : "NOT "}NULL`);
    const op = segment.direction === "asc" ? ">" : "<";
    if (cursor && index === cursorSegment) {
      const id = `${bind(cursor.id)}::${query.idType}`;
      where.push(
        segment.nulls
          ? `${query.id} ${op} ${id}`
          : `(${query.column}, ${query.id}) ${op} (${bind(cursor.value)}::${query.columnType}, ${id})`,
      );
    }
    const dir = segment.direction.toUpperCase();
    // The NULL segment orders by the (all NULL) column too: then the sort's index, whose range of
    // NULLs is ordered by id, serves it; ordered by id alone, the planner walks the primary key
    // and filters, reading every non-NULL row it passes.
    const order = `${query.column} ${dir}, ${query.id} ${dir}`;
    branches.push(
      `(${query.select.replace(
        /^\s*SELECT\s/i,
        `SELECT ${index} AS "__segment", ${query.column}::text AS "__sort", ${query.id}::text AS "__id", `,
      )}
        WHERE ${where.join(" AND ")}
        ORDER BY ${order} LIMIT ${limit})`,
    );
  });

  let rows: (T & Internal)[] = [];
  if (branches.length > 0) {
    // The branches are short (LIMIT each); sorting their union by segment keeps the order exact.
    const dir = segments[0]!.direction.toUpperCase();
    const sql = `${query.with ? `WITH ${query.with}\n` : ""}SELECT * FROM (${branches.join("\nUNION ALL\n")}) page
      ORDER BY "__segment", ${orderWithin(query, dir)} LIMIT ${limit}`;
    try {
      ({ rows } = await db.query<T & Internal>(sql, params));
    } catch (error) {
      // A cursor's value that Postgres cannot read as the sort column's type (a forged or
      // tampered cursor): a data exception, SQLSTATE class 22. Every other input is checked before.
      if (cursor && isDataException(error)) {
        throw badRequest("The page cursor is not valid; go back to the first page.");
      }
      throw error;
    }
  }
  const more = rows.length > size;
  rows = rows.slice(0, size);
  if (backwards) rows.reverse();

  const cursorOf = (row: Internal | undefined) =>
    row ? encodeCursor({ value: row.__sort, id: row.__id }) : null;
  const clean = rows.map(({ __segment: _s, __sort: _v, __id: _i, ...row }) => row as unknown as T);
  // Forwards: a previous page exists when we came from a cursor, a next one when rows were left.
  const hasPrevious = backwards ? more : cursor !== undefined;
  const hasNext = backwards ? true : more;
  return {
    rows: clean,
    previous: hasPrevious ? cursorOf(rows[0]) : null,
    next: hasNext ? cursorOf(rows[rows.length - 1]) : null,
  };
}

/**
 * The order inside the union. Both segments share a direction: the NULL segment's rows sort by id
 * (their values tie), the other's by value then id. The value is compared in its own type.
 */
function orderWithin(query: KeysetQuery, dir: string): string {
  return `"__sort"::${query.columnType} ${dir}, "__id"::${query.idType} ${dir}`;
}
