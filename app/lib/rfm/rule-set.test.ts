// The RFM rule table of rule set v1 (docs/rfm.md), unit tier: its segments are exactly Shopify's
// CustomerRfmGroup values (API 2025-04 and later), so the admin and Shopify name a group alike.
import { describe, expect, it } from "vitest";
import { MIN_SCORED_FOR_SEGMENTS, RULE_SET, SEGMENTS } from "./rule-set.ts";

/** Shopify's enum CustomerRfmGroup (Admin GraphQL API, since 2025-04), as the project's notes list it. */
const CUSTOMER_RFM_GROUP = [
  "CHAMPIONS",
  "LOYAL",
  "ACTIVE",
  "NEEDS_ATTENTION",
  "PROMISING",
  "NEW",
  "AT_RISK",
  "PREVIOUSLY_LOYAL",
  "ALMOST_LOST",
  "DORMANT",
  "PROSPECTS",
];

describe("rule set v1", () => {
  it("is named v1", () => {
    expect(RULE_SET).toBe("v1");
  });

  it("has one segment per CustomerRfmGroup value, each once", () => {
    expect([...SEGMENTS].sort()).toEqual([...CUSTOMER_RFM_GROUP].sort());
    expect(new Set(SEGMENTS).size).toBe(SEGMENTS.length);
  });

  it("explains segments below 20 scored customers", () => {
    expect(MIN_SCORED_FOR_SEGMENTS).toBe(20);
  });
});
