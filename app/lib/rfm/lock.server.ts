import pg from "pg";
import type { Queryable } from "../../db.server.ts";

const { escapeLiteral } = pg;

/** "RFM": the first key of the shop's RFM advisory lock; the shop id is the second. */
const RFM_LOCK = 0x52464d;

/**
 * Takes the shop's RFM lock for the rest of the caller's transaction, exclusively: a full run
 * waits for the rescorings in progress and holds off new ones, so a rescoring never reads
 * breakpoints of a run that is rewriting the rows it is about to compare with.
 */
export async function lockShopRfm(db: Queryable, shopId: number): Promise<void> {
  await db.query("SELECT pg_advisory_xact_lock($1, $2)", [RFM_LOCK, shopId]);
}

/**
 * For one customer's rescoring: the shop's RFM lock shared (rescorings of different customers run
 * side by side, never beside a full run) and the customer's own lock exclusive (two rescorings of
 * one customer, a running job and the one queued after it, run one after the other, so each reads
 * the row the other wrote). Both in one statement, the shop's first. Docs: docs/decisions/059.
 * SQL text without parameters, so that it can travel with its transaction's BEGIN
 * (`firstStatement`); the customer id is a string of digits (the task's payload schema).
 */
export function customerRfmLockStatement(shopId: number, customerShopifyId: string): string {
  if (!Number.isSafeInteger(shopId)) throw new RangeError(`not a shop id: ${shopId}`);
  return `SELECT pg_advisory_xact_lock_shared(${RFM_LOCK}, ${shopId}),
                 pg_advisory_xact_lock(hashtextextended(${escapeLiteral(
                   `rfm-customer:${shopId}:${customerShopifyId}`,
                 )}, 0))`;
}
