// shopify-app-remix (as Recur configures it, like Shopify's template) against the stand-in: the
// embedded install flow by token exchange, Admin API calls, the bounce and retry answers, and
// webhook authentication.
import "@shopify/shopify-app-remix/adapters/node";
import type { Session } from "@shopify/shopify-api";
import { setAbstractFetchFunc } from "@shopify/shopify-api/runtime";
import { ApiVersion, AppDistribution, shopifyApp } from "@shopify/shopify-app-remix/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StandIn } from "./index.ts";
import { API_KEY, API_SECRET, startFakeApp, startStandIn, toFetchRequest } from "./testing.ts";
import type { FakeApp } from "./testing.ts";

const SHOP = "install.myshopify.com";
let app: FakeApp;
let standIn: StandIn;
const sessions = new Map<string, Session>();

const sessionStorage = {
  storeSession: async (session: Session) => Boolean(sessions.set(session.id, session)),
  loadSession: async (id: string) => sessions.get(id),
  deleteSession: async (id: string) => sessions.delete(id),
  deleteSessions: async (ids: string[]) => ids.every((id) => sessions.delete(id)),
  findSessionsByShop: async (shop: string) => [...sessions.values()].filter((s) => s.shop === shop),
};

let shopify: ReturnType<typeof shopifyApp>;

beforeAll(async () => {
  app = await startFakeApp();
  standIn = await startStandIn(app, { webhookConcurrency: 1 });
  await standIn.seedShop({ shop: SHOP, customers: 5, orders: 10, install: false });
  setAbstractFetchFunc(async (input, init) => {
    const url = new URL(
      typeof input === "string" ? input : input instanceof URL ? input.href : input.url,
    );
    if (!url.hostname.endsWith(".myshopify.com")) return fetch(input, init);
    const headers = new Headers(init?.headers);
    headers.set("X-Forwarded-Host", url.hostname);
    return fetch(`${standIn.url}${url.pathname}${url.search}`, { ...init, headers });
  });
  shopify = shopifyApp({
    apiKey: API_KEY,
    apiSecretKey: API_SECRET,
    apiVersion: ApiVersion.October26,
    scopes: ["read_customers", "read_orders", "read_all_orders"],
    appUrl: app.url,
    authPathPrefix: "/auth",
    sessionStorage,
    distribution: AppDistribution.AppStore,
    future: { unstable_newEmbeddedAuthStrategy: true, expiringOfflineAccessTokens: true },
    logger: { level: 0 },
  });
});

afterAll(async () => {
  await standIn.close();
  await app.close();
});

async function frameUrl(path = "/app"): Promise<string> {
  const html = await (await fetch(`${standIn.url}/store/install/apps/recur${path}`)).text();
  return (/<iframe[^>]+src="([^"]+)"/.exec(html)?.[1] ?? "").replaceAll("&amp;", "&");
}

async function thrown(promise: Promise<unknown>): Promise<Response> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Response) return error;
    throw error;
  }
  throw new Error("expected a thrown Response");
}

describe("shopify-app-remix against the stand-in", () => {
  it("installs through token exchange on the first embedded load and calls the Admin API", async () => {
    expect(standIn.listShops()[0]?.installed).toBe(false);
    const { session, admin } = await shopify.authenticate.admin(new Request(await frameUrl()));
    expect(session).toMatchObject({ shop: SHOP, isOnline: false });
    expect(session.refreshToken).toBeDefined();
    expect(sessions.get(`offline_${SHOP}`)?.accessToken).toBe(session.accessToken);
    expect(standIn.listShops()[0]?.installed).toBe(true);
    const response = await admin.graphql(`#graphql
      query ShopName { shop { name } customersCount { count } }`);
    const body = (await response.json()) as {
      data: { shop: { name: string }; customersCount: { count: number } };
    };
    expect(body.data).toEqual({
      shop: { name: standIn.listShops()[0]?.name },
      customersCount: { count: 5 },
    });
  });

  it("authenticates data requests by bearer token and bounces document loads without id_token", async () => {
    const data = await shopify.authenticate.admin(
      new Request(`${app.url}/app/data`, {
        headers: { Authorization: `Bearer ${await standIn.sessionToken(SHOP)}` },
      }),
    );
    expect(data.session.shop).toBe(SHOP);
    const url = new URL(await frameUrl());
    url.searchParams.delete("id_token");
    const bounce = await thrown(shopify.authenticate.admin(new Request(url)));
    expect(bounce.status).toBe(302);
    const location = new URL(bounce.headers.get("Location") ?? "", app.url);
    expect(location.pathname).toBe("/auth/session-token");
    expect(location.searchParams.get("shopify-reload")).toMatch(new RegExp(`^${app.url}/app\\?`));
  });

  it("drops a token the stand-in refuses, then exchanges a new one on the next request", async () => {
    const token = sessions.get(`offline_${SHOP}`)?.accessToken ?? "";
    standIn.expireAccessToken(token);
    const request = new Request(`${app.url}/app/data`, {
      method: "POST",
      headers: { Authorization: `Bearer ${await standIn.sessionToken(SHOP)}` },
    });
    const { admin } = await shopify.authenticate.admin(request);
    // shopify-app-remix answers a data request with a plain 401 and forgets the access token.
    const refused = await thrown(admin.graphql("{ shop { name } }"));
    expect(refused.status).toBe(401);
    expect(sessions.get(`offline_${SHOP}`)?.accessToken).toBeFalsy();
    const next = await shopify.authenticate.admin(
      new Request(`${app.url}/app/data`, {
        headers: { Authorization: `Bearer ${await standIn.sessionToken(SHOP)}` },
      }),
    );
    expect(next.session.accessToken).not.toBe(token);
    const response = await next.admin.graphql("{ shop { name } }");
    expect(response.status).toBe(200);
  });

  it("authenticates the stand-in's webhooks", async () => {
    const customer = standIn.groundTruth(SHOP).customers[0];
    standIn.updateCustomer(SHOP, customer?.id ?? "", { firstName: "Webhook" });
    await standIn.waitForDeliveries();
    const delivery = app.received.find((r) => r.headers["x-shopify-topic"] === "customers/update");
    if (!delivery) throw new Error("no customers/update delivery");
    const context = await shopify.authenticate.webhook(toFetchRequest(app.url, delivery));
    expect(context).toMatchObject({
      shop: SHOP,
      topic: "CUSTOMERS_UPDATE",
      apiVersion: "2026-10",
      payload: { first_name: "Webhook" },
    });
    expect(context.session?.shop).toBe(SHOP);
  });
});
