// Payload schemas, unit tier: the facts the project's Shopify notes record about real deliveries
// (orders/delete is `{"id": N}` alone; ids above 2^53, which the lossless parse hands over as
// bigints; an absent protected field is "not sent", never "erased": docs/decisions/018, 019). No
// Shopify-documented body is quoted here: tests/fixtures/README.md says why none is checked in yet.
import { describe, expect, it } from "vitest";
import { parseExactJson } from "../db/exact-json.ts";
import { customerPayload, orderDeletePayload } from "./payloads.ts";

describe("orderDeletePayload", () => {
  it("reads the id of a body that is nothing but the id, exactly, above 2^53", () => {
    const body = parseExactJson('{"id":820982911946154508}');
    expect(orderDeletePayload.parse(body)).toBe("820982911946154508");
  });

  it("refuses a body without an id", () => {
    expect(orderDeletePayload.safeParse({}).success).toBe(false);
  });
});

describe("customerPayload", () => {
  const body = {
    id: 706405506930370084n,
    admin_graphql_api_id: "gid://shopify/Customer/706405506930370084",
    first_name: "Ada",
    last_name: null,
    state: "enabled",
    verified_email: true,
    created_at: "2026-11-20T10:00:00-05:00",
    updated_at: "2026-11-20T10:01:00-05:00",
  };

  it("keeps an absent field absent and a null field null", () => {
    const parsed = customerPayload.parse(body);
    expect(parsed.shopifyId).toBe("706405506930370084");
    expect(parsed.profile?.email).toBeUndefined();
    expect(parsed.profile?.lastName).toBeNull();
    expect(parsed.profile?.firstName).toBe("Ada");
  });

  it("carries only the profile: since API 2025-01 no tags and no order statistics", () => {
    const parsed = customerPayload.parse(body);
    expect(parsed.purchasing).toBeNull();
    expect(parsed.tags).toBeNull();
  });
});
