import { Session } from "@shopify/shopify-api";
import { describe, expect, it } from "vitest";
import { sessionStorage } from "../../app/shopify.server.ts";

describe("Prisma session storage", () => {
  it("stores, loads, lists and deletes an offline session", async () => {
    const session = new Session({
      id: "offline_shop-a.myshopify.com",
      shop: "shop-a.myshopify.com",
      state: "state",
      isOnline: false,
      scope: "read_customers,read_orders",
      accessToken: "shpat_test",
      expires: new Date("2030-01-01T00:00:00Z"),
    });
    expect(await sessionStorage.storeSession(session)).toBe(true);

    const loaded = await sessionStorage.loadSession(session.id);
    expect(loaded?.toObject()).toEqual(session.toObject());
    expect(await sessionStorage.findSessionsByShop("shop-a.myshopify.com")).toHaveLength(1);
    expect(await sessionStorage.findSessionsByShop("shop-b.myshopify.com")).toHaveLength(0);

    expect(await sessionStorage.deleteSession(session.id)).toBe(true);
    expect(await sessionStorage.loadSession(session.id)).toBeUndefined();
  });
});
