// Records as Recur stores them (app/lib/db/records.ts), unit tier: the live-row condition.
import { describe, expect, it } from "vitest";
import { liveRow } from "./records.ts";

describe("liveRow", () => {
  it("is a row not deleted (no tombstone) and described by Shopify (not a placeholder)", () => {
    expect(liveRow()).toBe("deleted_at IS NULL AND shopify_updated_at IS NOT NULL");
  });

  it("names the columns under the row's alias", () => {
    expect(liveRow("c")).toBe("c.deleted_at IS NULL AND c.shopify_updated_at IS NOT NULL");
  });
});
