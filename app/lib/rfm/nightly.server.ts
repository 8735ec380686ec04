/**
 * Nightly full scoring on each shop's own midnight (docs/decisions/030): an hourly cron asks which
 * shops have passed a midnight, in their own time zone, since their last full run, and queues a
 * full scoring of each. A shop is picked in the first hourly run after its midnight (within the
 * hour; half-hour zones too), and again by any later run if that one was missed; never twice for
 * one midnight, since the run it queues is after that midnight. Shops never scored (no full sync
 * finished yet) are left to their first sync.
 */
import type { Queryable } from "../../db.server.ts";
import { SHOP_IN_SERVICE_SQL } from "../db/shops.server.ts";
import { enqueueShopScoring } from "./jobs.server.ts";

/** The shops whose local midnight fell after their last full run's as_of, at `now`. */
export async function shopsDueForNightlyScoring(db: Queryable, now: Date): Promise<number[]> {
  const { rows } = await db.query<{ id: number }>(
    `SELECT s.id
     FROM shops s
     -- A time zone PostgreSQL does not know counts as UTC rather than failing every shop's run.
     LEFT JOIN pg_timezone_names z ON z.name = s.iana_timezone
     CROSS JOIN LATERAL (
       SELECT r.as_of FROM rfm_runs r WHERE r.shop_id = s.id ORDER BY r.id DESC LIMIT 1
     ) last_run
     WHERE ${SHOP_IN_SERVICE_SQL}
       AND last_run.as_of < (date_trunc('day', $1::timestamptz AT TIME ZONE coalesce(z.name, 'UTC'))
                             AT TIME ZONE coalesce(z.name, 'UTC'))
     ORDER BY s.id`,
    [now],
  );
  return rows.map((row) => row.id);
}

/** Queues a full scoring of every shop due at `now`; returns their ids. */
export async function queueNightlyScoring(db: Queryable, now: Date): Promise<number[]> {
  const due = await shopsDueForNightlyScoring(db, now);
  for (const shopId of due) await enqueueShopScoring(db, shopId);
  return due;
}
