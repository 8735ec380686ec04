// The shared zod field types (app/lib/zod-fields.ts), unit tier: what each accepts and refuses.
import { describe, expect, it } from "vitest";
import { decimal, nullableString, serialId, shopifyIdText, timestamp } from "./zod-fields.ts";

describe("timestamp", () => {
  it("accepts Shopify's ISO 8601 times with an offset or Z, and refuses one without", () => {
    expect(timestamp.safeParse("2026-11-20T10:00:00-05:00").success).toBe(true);
    expect(timestamp.safeParse("2026-11-20T15:00:00Z").success).toBe(true);
    expect(timestamp.safeParse("2026-11-20T15:00:00.123Z").success).toBe(true);
    expect(timestamp.safeParse("2026-11-20T15:00:00").success).toBe(false);
    expect(timestamp.safeParse("20 November 2026").success).toBe(false);
  });
});

describe("decimal", () => {
  it("accepts decimal strings, signed or not, and refuses numbers and other text", () => {
    for (const text of ["12.50", "0", "-3", "199.0000"]) {
      expect(decimal.safeParse(text).success).toBe(true);
    }
    for (const value of ["12.", ".5", "1e3", "12,50", "", 12.5]) {
      expect(decimal.safeParse(value).success).toBe(false);
    }
  });
});

describe("nullableString", () => {
  it("makes absent and null both null, and keeps a string", () => {
    expect(nullableString.parse(undefined)).toBeNull();
    expect(nullableString.parse(null)).toBeNull();
    expect(nullableString.parse("")).toBe("");
    expect(nullableString.parse("Ada")).toBe("Ada");
    expect(nullableString.safeParse(5).success).toBe(false);
  });
});

describe("serialId", () => {
  it("reads a URL's positive integer up to PostgreSQL's integer maximum", () => {
    expect(serialId.parse("42")).toBe(42);
    expect(serialId.parse("2147483647")).toBe(2_147_483_647);
    for (const text of ["0", "-1", "1.5", "2147483648", "abc"]) {
      expect(serialId.safeParse(text).success).toBe(false);
    }
  });
});

describe("shopifyIdText", () => {
  it("accepts canonical decimal ids from 1 to 2^64 - 1 only", () => {
    expect(shopifyIdText.safeParse("1").success).toBe(true);
    expect(shopifyIdText.safeParse("18446744073709551615").success).toBe(true);
    for (const text of ["0", "007", "18446744073709551616", "-5", "1e3", " 5"]) {
      expect(shopifyIdText.safeParse(text).success).toBe(false);
    }
  });
});
