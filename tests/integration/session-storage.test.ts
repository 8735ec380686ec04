import { Session } from "@shopify/shopify-api";
import type { SessionStorage } from "@shopify/shopify-app-session-storage";
import { PrismaSessionStorage } from "@shopify/shopify-app-session-storage-prisma";
import { describe, expect, it } from "vitest";
import { prisma } from "../../app/db.server.ts";
import { CachedSessionStorage } from "../../app/lib/shopify/session-cache.server.ts";
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

describe("the session cache in front of it", () => {
  const session = (scope: string) =>
    new Session({
      id: "offline_shop-c.myshopify.com",
      shop: "shop-c.myshopify.com",
      state: "state",
      isOnline: false,
      scope,
      accessToken: "shpat_test",
    });

  /** Prisma's storage, counting loads, each load held until `release` once it has read the row. */
  function countingStorage() {
    const prismaStorage = new PrismaSessionStorage(prisma);
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    let signalRead: () => void = () => {};
    const read = new Promise<void>((resolve) => (signalRead = resolve));
    const counted = { loads: 0, read, release, held: false };
    const inner: SessionStorage = {
      loadSession: async (id) => {
        counted.loads += 1;
        const loaded = await prismaStorage.loadSession(id);
        signalRead();
        if (counted.held) await gate;
        return loaded;
      },
      storeSession: (s) => prismaStorage.storeSession(s),
      deleteSession: (id) => prismaStorage.deleteSession(id),
      deleteSessions: (ids) => prismaStorage.deleteSessions(ids),
      findSessionsByShop: (shop) => prismaStorage.findSessionsByShop(shop),
    };
    return { inner, counted };
  }

  it("loads a session once for the requests that want it at the same time", async () => {
    const { inner, counted } = countingStorage();
    await inner.storeSession(session("read_customers"));
    const cache = new CachedSessionStorage(inner, 60_000);

    const loaded = await Promise.all(
      Array.from({ length: 20 }, () => cache.loadSession("offline_shop-c.myshopify.com")),
    );
    expect(loaded.map((s) => s?.scope)).toEqual(Array(20).fill("read_customers"));
    expect(counted.loads).toBe(1);
  });

  it("keeps a session stored while a load was under way, not what the load read", async () => {
    const { inner, counted } = countingStorage();
    await inner.storeSession(session("read_customers"));
    const cache = new CachedSessionStorage(inner, 60_000);

    counted.held = true;
    const load = cache.loadSession("offline_shop-c.myshopify.com");
    await counted.read; // the load has read the row as it was
    await cache.storeSession(session("read_customers,read_orders"));
    counted.release();
    await load;

    const after = await cache.loadSession("offline_shop-c.myshopify.com");
    expect(after?.scope).toBe("read_customers,read_orders");
    expect(counted.loads).toBe(1);
  });
});
