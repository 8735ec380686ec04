// The rules Shopify's compliance webhooks share, unit tier: a privacy request acts only on the
// shop it was delivered for (the HMAC covers the body, not the headers).
import { describe, expect, it } from "vitest";
import { noData, otherShop } from "./compliance-rules.server.ts";

describe("compliance rules", () => {
  it("let a payload through when it names the shop it was delivered for", () => {
    expect(
      otherShop({ shop_domain: "a.myshopify.com" }, { shopDomain: "a.myshopify.com" }),
    ).toBeUndefined();
  });

  it("ignore a payload that names another shop, saying which", () => {
    expect(
      otherShop({ shop_domain: "b.myshopify.com" }, { shopDomain: "a.myshopify.com" }),
    ).toEqual({
      status: "ignored",
      reason: "The payload names b.myshopify.com, not a.myshopify.com",
    });
  });

  it("ignore a request for a shop Recur holds nothing of", () => {
    expect(noData("c.myshopify.com")).toEqual({
      status: "ignored",
      reason: "Recur holds no data for c.myshopify.com",
    });
  });
});
