/**
 * Whether a message the guarded upsert (or a tombstone) did not write was stale: older than what
 * Recur already stores. Asked only after nothing was written, in the same transaction (the upsert
 * locked the row), so that a delivery is settled `skipped`, "older than stored", instead of
 * `processed` (docs/decisions/039). A message that wrote nothing because it was identical to what
 * is stored (a replay, or a sync that got there first) is not stale: it stays `processed`.
 */
import type { Queryable } from "../../../db.server.ts";

/** The reason a stale delivery is settled `skipped` with. */
export const OLDER_THAN_STORED = "older than stored";

/** The columns that version a part of a row (docs/decisions/006 and 010). */
export type VersionColumn = "shopify_updated_at" | "purchasing_summary_at";

export interface IncomingVersion {
  column: VersionColumn;
  /** The message's version of that part (ISO 8601). */
  at: string;
}

/**
 * True when, for every part the message carries, the stored row holds a newer version of it or a
 * deletion at or after it: exactly when the guard refused it for its age (an equal version with
 * other data is written, so it is never stale). False when the row does not exist.
 */
export async function olderThanStored(
  db: Queryable,
  table: "customers" | "orders",
  shopId: number,
  shopifyId: string,
  versions: IncomingVersion[],
): Promise<boolean> {
  if (versions.length === 0) return false;
  const { rows } = await db.query<{ older: boolean | null }>(
    olderThanStoredSql(
      table,
      versions.map((version) => version.column),
    ),
    [shopId, shopifyId, ...versions.map((version) => version.at)],
  );
  return rows[0]?.older === true;
}

/**
 * True when a deletion that was not applied is older than what is stored: a version of the
 * resource after it, or a later deletion. (A repeat of the stored deletion is not stale.)
 */
export async function deletionOlderThanStored(
  db: Queryable,
  table: "customers" | "orders",
  shopId: number,
  shopifyId: string,
  deletedAt: Date,
): Promise<boolean> {
  const { rows } = await db.query<{ older: boolean | null }>(deletionOlderThanStoredSql(table), [
    shopId,
    shopifyId,
    deletedAt,
  ]);
  return rows[0]?.older === true;
}

/** Row $2 of shop $1: whether it holds, for each column, a newer version than $3, $4, ... */
export function olderThanStoredSql(
  table: "customers" | "orders",
  columns: VersionColumn[],
): string {
  const older = columns.map(
    (column, i) => `(deleted_at >= $${i + 3}::timestamptz OR ${column} > $${i + 3}::timestamptz)`,
  );
  return `SELECT ${older.join(" AND ")} AS older FROM ${table} WHERE shop_id = $1 AND shopify_id = $2`;
}

/** Row $2 of shop $1: whether it holds a version, or a deletion, after the deletion at $3. */
export function deletionOlderThanStoredSql(table: "customers" | "orders"): string {
  return `SELECT shopify_updated_at > $3 OR deleted_at > $3 AS older
     FROM ${table} WHERE shop_id = $1 AND shopify_id = $2`;
}
