/**
 * A customer's RFM row explained (docs/rfm.md): raw values, the three scores with the share of the
 * shop's scored customers each value beats (recency compared on the customer's own as_of), the cell
 * that placed them, and their moves.
 */
import type { Queryable } from "../../db.server.ts";

export interface CustomerRfm {
  asOf: Date;
  recencyDays: number | null;
  frequency: number | null;
  monetary: string | null;
  r: number | null;
  f: number | null;
  m: number | null;
  fm: number | null;
  segment: string;
  ruleSet: string;
  /** Shares (0..1) of the shop's scored customers with a strictly worse value; null for PROSPECTS. */
  beats: { recency: number; frequency: number; monetary: number } | null;
  history: { from: string | null; to: string; changedAt: Date }[];
}

export async function findCustomerRfm(
  db: Queryable,
  shopId: number,
  customerId: string,
): Promise<CustomerRfm | null> {
  const { rows } = await db.query<
    Omit<CustomerRfm, "beats" | "history"> & {
      worse_r: number | null;
      worse_f: number | null;
      worse_m: number | null;
      scored: number;
    }
  >(
    `SELECT me.as_of AS "asOf", me.recency_days AS "recencyDays", me.frequency,
            me.monetary::text AS monetary, me.r, me.f, me.m, me.fm, me.segment,
            me.rule_set AS "ruleSet", stats.*
     FROM customer_rfm me
     CROSS JOIN LATERAL (
       -- Recency on one clock, the customer's as_of: another customer is less recent when their
       -- last order is at least one whole day further back, measured to that as_of (docs/decisions/060).
       SELECT count(*) FILTER (WHERE o.last_order_at
                <= me.as_of - make_interval(secs => 86400 * (me.recency_days + 1)))::int AS worse_r,
              count(*) FILTER (WHERE o.frequency < me.frequency)::int AS worse_f,
              count(*) FILTER (WHERE o.monetary < me.monetary)::int AS worse_m,
              count(*)::int AS scored
       FROM customer_rfm_scores o WHERE o.shop_id = me.shop_id AND o.frequency IS NOT NULL
     ) stats
     WHERE me.shop_id = $1 AND me.customer_shopify_id = $2`,
    [shopId, customerId],
  );
  const history = await db.query<{ from: string | null; to: string; changedAt: Date }>(
    `SELECT from_segment AS "from", to_segment AS "to", changed_at AS "changedAt"
     FROM rfm_segment_changes WHERE shop_id = $1 AND customer_shopify_id = $2
     ORDER BY changed_at DESC, id DESC LIMIT 50`,
    [shopId, customerId],
  );
  const row = rows[0];
  if (!row) return null;
  const { worse_r, worse_f, worse_m, scored, ...values } = row;
  const share = (worse: number | null) => (worse ?? 0) / Math.max(1, scored);
  return {
    ...values,
    beats:
      values.frequency === null
        ? null
        : { recency: share(worse_r), frequency: share(worse_f), monetary: share(worse_m) },
    history: history.rows,
  };
}
