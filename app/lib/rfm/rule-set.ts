/** The RFM rule set Recur scores with (docs/rfm.md). Stored with every score and every change. */
export const RULE_SET = "v1";

/** Shopify's CustomerRfmGroup names, the segments of rule set v1. */
export const SEGMENTS = [
  "CHAMPIONS",
  "LOYAL",
  "ACTIVE",
  "PROMISING",
  "NEW",
  "NEEDS_ATTENTION",
  "AT_RISK",
  "PREVIOUSLY_LOYAL",
  "ALMOST_LOST",
  "DORMANT",
  "PROSPECTS",
] as const;

export type Segment = (typeof SEGMENTS)[number];

/** Fewer scored customers than this and segments say little: the admin explains why. */
export const MIN_SCORED_FOR_SEGMENTS = 20;
