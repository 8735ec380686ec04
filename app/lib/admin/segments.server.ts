/**
 * The Segments page's read model: the shop's RFM segments, the R x FM grid, recent moves and the
 * last full run (docs/rfm.md). Every query is scoped to the shop.
 */
import { z } from "zod";
import type { Queryable } from "../../db.server.ts";
import { RULE_SET, SEGMENTS } from "../rfm/rule-set.ts";

export const segmentsSearchSchema = z.object({
  /** The movement table's window, in days. */
  days: z.coerce
    .number()
    .int()
    .pipe(z.union([z.literal(7), z.literal(30), z.literal(90)]))
    .default(30),
});

export interface SegmentSummary {
  segment: string;
  customers: number;
  shareOfCustomers: number;
  monetary: string;
  shareOfMonetary: number;
  medianRecencyDays: number | null;
  medianFrequency: number | null;
  medianMonetary: string | null;
}

export interface GridCell {
  r: number;
  fm: number;
  segment: string;
  customers: number;
}

export interface Movement {
  from: string;
  to: string;
  customers: number;
}

export interface LastRun {
  asOf: Date;
  finishedAt: Date;
  scoredCustomers: number;
  prospects: number;
}

/** One segment's size on each of the chart's days (null before the shop's first figure). */
export interface SegmentSizes {
  /** The chart's days, oldest first: the last 90 days of the shop's calendar, today included. */
  days: string[];
  series: { segment: string; customers: (number | null)[] }[];
}

export const SIZE_DAYS = 90;

/**
 * Segment sizes over the last 90 days, from the daily figures full runs leave (rfm_segment_sizes,
 * docs/decisions/029). A day without a run of its own (a missed night) shows the last figure
 * before it; days before the first figure are null. Today's figure is today's last full run's.
 */
export async function segmentSizes(db: Queryable, shopId: number): Promise<SegmentSizes> {
  const { rows } = await db.query<{
    day: string;
    segment: string | null;
    customers: number | null;
  }>(
    `WITH zone AS (
       SELECT coalesce((SELECT z.name FROM shops s JOIN pg_timezone_names z ON z.name = s.iana_timezone
                        WHERE s.id = $1), 'UTC') AS name
     ),
     days AS (
       SELECT d::date AS day
       FROM zone, generate_series((now() AT TIME ZONE zone.name)::date - ($2::int - 1),
                                  (now() AT TIME ZONE zone.name)::date, interval '1 day') AS d
     )
     SELECT to_char(days.day, 'YYYY-MM-DD') AS day, latest.segment, latest.customers
     FROM days
     LEFT JOIN LATERAL (
       -- The day's figures, or the last ones before it.
       SELECT x.segment, x.customers FROM rfm_segment_sizes x
       WHERE x.shop_id = $1 AND x.rule_set = $3
         AND x.day = (SELECT max(y.day) FROM rfm_segment_sizes y
                      WHERE y.shop_id = $1 AND y.rule_set = $3 AND y.day <= days.day)
     ) latest ON true
     ORDER BY days.day`,
    [shopId, SIZE_DAYS, RULE_SET],
  );
  const days = [...new Set(rows.map((row) => row.day))];
  const index = new Map(days.map((day, i) => [day, i]));
  const bySegment = new Map<string, (number | null)[]>();
  for (const row of rows) {
    if (row.segment === null) continue;
    let values = bySegment.get(row.segment);
    if (!values) bySegment.set(row.segment, (values = days.map(() => null)));
    values[index.get(row.day)!] = row.customers;
  }
  return {
    days,
    series: SEGMENTS.flatMap((segment) => {
      const customers = bySegment.get(segment);
      // A segment that never held anyone in the window draws no line.
      return customers && customers.some((n) => n !== null && n > 0)
        ? [{ segment, customers }]
        : [];
    }),
  };
}

export interface SegmentsOverview {
  lastRun: LastRun | null;
  /** A full scoring is queued or running. */
  computing: boolean;
  currencyCode: string | null;
  segments: SegmentSummary[];
  grid: GridCell[];
  movement: { days: number; moves: Movement[] };
  sizes: SegmentSizes;
}

export async function segmentsOverview(
  db: Queryable,
  shopId: number,
  days: number,
): Promise<SegmentsOverview> {
  const [run, pending, shop, segments, grid, moves, sizes] = await Promise.all([
    db.query<LastRun>(
      `SELECT as_of AS "asOf", finished_at AS "finishedAt", scored_customers AS "scoredCustomers",
              prospects
       FROM rfm_runs WHERE shop_id = $1 ORDER BY id DESC LIMIT 1`,
      [shopId],
    ),
    db.query<{ pending: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM graphile_worker.jobs
                      WHERE key = $1 AND attempts < max_attempts) AS pending`,
      [`rfm-score-shop:${shopId}`],
    ),
    db.query<{ currency: string | null }>(
      "SELECT currency_code AS currency FROM shops WHERE id = $1",
      [shopId],
    ),
    db.query<{
      segment: string;
      customers: number;
      monetary: string;
      share_customers: number;
      share_monetary: number;
      median_recency: number | null;
      median_frequency: number | null;
      median_monetary: string | null;
    }>(
      `SELECT segment, count(*)::int AS customers, coalesce(sum(monetary), 0)::text AS monetary,
              (count(*)::float8 / sum(count(*)) OVER ()) AS share_customers,
              coalesce(sum(monetary)::float8 / nullif(sum(sum(monetary)) OVER (), 0), 0)
                AS share_monetary,
              percentile_disc(0.5) WITHIN GROUP (ORDER BY recency_days) AS median_recency,
              percentile_disc(0.5) WITHIN GROUP (ORDER BY frequency) AS median_frequency,
              (percentile_disc(0.5) WITHIN GROUP (ORDER BY monetary))::text AS median_monetary
       FROM customer_rfm WHERE shop_id = $1
       GROUP BY segment`,
      [shopId],
    ),
    db.query<GridCell>(
      `SELECT g.r, g.fm, g.segment, count(c.customer_shopify_id)::int AS customers
       FROM rfm_segment_grid g
       LEFT JOIN customer_rfm c ON c.shop_id = $1 AND c.r = g.r AND c.fm = g.fm
       WHERE g.rule_set = $2
       GROUP BY g.r, g.fm, g.segment
       ORDER BY g.r DESC, g.fm`,
      [shopId, RULE_SET],
    ),
    db.query<Movement>(
      `SELECT from_segment AS "from", to_segment AS "to",
              count(DISTINCT customer_shopify_id)::int AS customers
       FROM rfm_segment_changes
       WHERE shop_id = $1 AND from_segment IS NOT NULL
         AND changed_at >= now() - make_interval(days => $2)
       GROUP BY from_segment, to_segment
       ORDER BY customers DESC, from_segment, to_segment
       LIMIT 50`,
      [shopId, days],
    ),
    segmentSizes(db, shopId),
  ]);
  const bySegment = new Map(segments.rows.map((row) => [row.segment, row]));
  return {
    lastRun: run.rows[0] ?? null,
    computing: pending.rows[0]?.pending ?? false,
    currencyCode: shop.rows[0]?.currency ?? null,
    segments: SEGMENTS.flatMap((segment) => {
      const row = bySegment.get(segment);
      if (!row) return [];
      return [
        {
          segment,
          customers: row.customers,
          shareOfCustomers: row.share_customers,
          monetary: row.monetary,
          shareOfMonetary: row.share_monetary,
          medianRecencyDays: row.median_recency,
          medianFrequency: row.median_frequency,
          medianMonetary: row.median_monetary,
        },
      ];
    }),
    grid: grid.rows,
    movement: { days, moves: moves.rows },
    sizes,
  };
}
