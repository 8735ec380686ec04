import type { Queryable } from "../../db.server.ts";

/** "RFM": the first key of the shop's RFM advisory lock; the shop id is the second. */
const RFM_LOCK = 0x52464d;

/**
 * Takes the shop's RFM lock for the rest of the caller's transaction: a full run and single
 * rescorings of one shop never interleave, so a rescoring never reads breakpoints of a run that is
 * rewriting the rows it is about to compare with.
 */
export async function lockShopRfm(db: Queryable, shopId: number): Promise<void> {
  await db.query("SELECT pg_advisory_xact_lock($1, $2)", [RFM_LOCK, shopId]);
}
