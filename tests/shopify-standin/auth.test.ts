import type { Session } from "@shopify/shopify-api";
import { HttpResponseError, RequestedTokenType } from "@shopify/shopify-api";
import { setAbstractFetchFunc } from "@shopify/shopify-api/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StandIn } from "./index.ts";
import { API_KEY, graphql, pick, shopifyLibrary, startFakeApp, startStandIn } from "./testing.ts";
import type { FakeApp } from "./testing.ts";

const SHOP = "auth.myshopify.com";
const shopify = shopifyLibrary();
let app: FakeApp;
let standIn: StandIn;

beforeAll(async () => {
  app = await startFakeApp();
  standIn = await startStandIn(app);
  await standIn.seedShop({ shop: SHOP, customers: 5, orders: 5, install: false });
  // The seam Recur's tests use: https://{shop}/admin/… goes to the stand-in, with the shop in
  // X-Forwarded-Host, through the library's own fetch hook.
  setAbstractFetchFunc(async (input, init) => {
    const url = new URL(
      typeof input === "string" ? input : input instanceof URL ? input.href : input.url,
    );
    if (!url.hostname.endsWith(".myshopify.com")) return fetch(input, init);
    const headers = new Headers(init?.headers);
    headers.set("X-Forwarded-Host", url.hostname);
    return fetch(`${standIn.url}${url.pathname}${url.search}`, { ...init, headers });
  });
});

afterAll(async () => {
  await standIn.close();
  await app.close();
});

async function shopName(session: Session) {
  const client = new shopify.clients.Graphql({ session });
  const response = await client.request<{ shop: { name: string } }>("{ shop { name } }");
  return response.data?.shop.name;
}

describe("session tokens", () => {
  it("decode with @shopify/shopify-api and carry Shopify's claims", async () => {
    const token = await standIn.sessionToken(SHOP);
    const payload = await shopify.session.decodeSessionToken(token);
    expect(payload).toMatchObject({
      iss: `https://${SHOP}/admin`,
      dest: `https://${SHOP}`,
      aud: API_KEY,
      sub: expect.any(String),
      jti: expect.any(String),
      sid: expect.any(String),
    });
    expect(payload.exp - payload.iat).toBe(60);
    expect(payload.nbf).toBeLessThanOrEqual(payload.iat);
  });
});

describe("token exchange", () => {
  it("issues an expiring offline token that the Admin API accepts, and refreshes it", async () => {
    const { session } = await shopify.auth.tokenExchange({
      shop: SHOP,
      sessionToken: await standIn.sessionToken(SHOP),
      requestedTokenType: RequestedTokenType.OfflineAccessToken,
      expiring: true,
    });
    expect(session.isOnline).toBe(false);
    expect(session.scope).toBe("read_customers,read_orders,read_all_orders");
    expect(session.refreshToken).toMatch(/^shprt_/);
    expect(session.expires?.getTime()).toBeGreaterThan(Date.now() + 3_500_000);
    expect(await shopName(session)).toBe(standIn.listShops().find((s) => s.shop === SHOP)?.name);
    expect(standIn.listShops().find((s) => s.shop === SHOP)?.installed).toBe(true);

    const { session: refreshed } = await shopify.auth.refreshToken({
      shop: SHOP,
      refreshToken: session.refreshToken ?? "",
    });
    expect(refreshed.accessToken).not.toBe(session.accessToken);
    expect(await shopName(refreshed)).toBeDefined();
    // Refresh tokens rotate.
    await expect(
      shopify.auth.refreshToken({ shop: SHOP, refreshToken: session.refreshToken ?? "" }),
    ).rejects.toBeInstanceOf(HttpResponseError);
    // An expired access token is refused like any invalid one.
    standIn.expireAccessToken(refreshed.accessToken ?? "");
    const denied = await graphql(standIn, SHOP, refreshed.accessToken ?? "", "{ shop { name } }");
    expect(denied.status).toBe(401);
  });

  it("issues online tokens and non-expiring offline tokens, and migrates the latter", async () => {
    const online = await shopify.auth.tokenExchange({
      shop: SHOP,
      sessionToken: await standIn.sessionToken(SHOP),
      requestedTokenType: RequestedTokenType.OnlineAccessToken,
    });
    expect(online.session.isOnline).toBe(true);
    expect(online.session.onlineAccessInfo?.associated_user.id).toEqual(expect.any(Number));
    expect(await shopName(online.session)).toBeDefined();

    const offline = await shopify.auth.tokenExchange({
      shop: SHOP,
      sessionToken: await standIn.sessionToken(SHOP),
      requestedTokenType: RequestedTokenType.OfflineAccessToken,
    });
    expect(offline.session.expires).toBeUndefined();
    const migrated = await shopify.auth.migrateToExpiringToken({
      shop: SHOP,
      nonExpiringOfflineAccessToken: offline.session.accessToken ?? "",
    });
    expect(migrated.session.refreshToken).toBeDefined();
    expect(await shopName(migrated.session)).toBeDefined();
    const old = await graphql(
      standIn,
      SHOP,
      offline.session.accessToken ?? "",
      "{ shop { name } }",
    );
    expect(old.status).toBe(401);
  });

  it("refuses a session token for another shop or signed with another secret", async () => {
    const other = await standIn.seedShop({ shop: "other-auth", customers: 1, orders: 0 });
    const response = await fetch(`${standIn.url}/admin/oauth/access_token`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Forwarded-Host": SHOP },
      body: JSON.stringify({
        client_id: API_KEY,
        client_secret: "standin-test-api-secret",
        grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
        subject_token: await standIn.sessionToken(other.shop),
        subject_token_type: "urn:ietf:params:oauth:token-type:id_token",
        requested_token_type: "urn:shopify:params:oauth:token-type:offline-access-token",
      }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: "invalid_subject_token" });

    const forged = await fetch(`${standIn.url}/admin/oauth/access_token`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "X-Forwarded-Host": SHOP },
      body: new URLSearchParams({
        client_id: API_KEY,
        client_secret: "wrong",
        grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
        subject_token: "x",
        subject_token_type: "urn:ietf:params:oauth:token-type:id_token",
      }),
    });
    expect(forged.status).toBe(401);
    expect(await forged.json()).toMatchObject({ error: "invalid_client" });
  });
});

describe("the admin frame", () => {
  it("frames the app with the query Shopify sends, signed as Shopify signs it", async () => {
    const page = await fetch(`${standIn.url}/store/auth/apps/recur/app/settings?tab=sync`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("<iframe");
    const src = /<iframe[^>]+src="([^"]+)"/.exec(html)?.[1]?.replaceAll("&amp;", "&") ?? "";
    const url = new URL(src);
    expect(`${url.origin}${url.pathname}`).toBe(`${app.url}/app/settings`);
    const params = url.searchParams;
    expect(params.get("embedded")).toBe("1");
    expect(params.get("shop")).toBe(SHOP);
    expect(params.get("locale")).toBe("en");
    expect(params.get("tab")).toBe("sync");
    expect(Buffer.from(params.get("host") ?? "", "base64").toString()).toBe(
      "admin.shopify.com/store/auth",
    );
    expect(shopify.utils.sanitizeHost(params.get("host") ?? "")).toBe(params.get("host"));
    expect(await shopify.utils.validateHmac(params)).toBe(true);
    params.set("shop", "evil.myshopify.com");
    expect(await shopify.utils.validateHmac(params)).toBe(false);
    const payload = await shopify.session.decodeSessionToken(
      url.searchParams.get("id_token") ?? "",
    );
    expect(payload.dest).toBe(`https://${SHOP}`);
    const script = await fetch(`${standIn.url}/app-bridge.js`);
    expect(script.headers.get("content-type")).toContain("javascript");
    expect(await script.text()).toContain("shopify:navigate");
  });

  it("mints session tokens for the app frame on request", async () => {
    const response = await fetch(`${standIn.url}/store/auth/session-token`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ sessionId: "abc" }),
    });
    const { token } = (await response.json()) as { token: string };
    expect(pick(await shopify.session.decodeSessionToken(token), "sid")).toBe("abc");
  });
});
