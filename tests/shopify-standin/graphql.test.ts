import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StandIn } from "./index.ts";
import { graphql, pick, startFakeApp, startStandIn } from "./testing.ts";
import type { FakeApp } from "./testing.ts";

const SHOP = "gql.myshopify.com";
let app: FakeApp;
let standIn: StandIn;
let token: string;

beforeAll(async () => {
  app = await startFakeApp();
  standIn = await startStandIn(app);
  token = (await standIn.seedShop({ shop: SHOP, customers: 40, orders: 120 })).accessToken ?? "";
  await standIn.seedShop({ shop: "other", customers: 2, orders: 2 });
});

afterAll(async () => {
  await standIn.close();
  await app.close();
});

describe("Admin API access", () => {
  it("answers 401 like Shopify without a valid token for the shop", async () => {
    const other = (await standIn.seedShop({ shop: "third", customers: 1, orders: 1 })).accessToken;
    for (const bad of [null, "shpat_wrong", other]) {
      const response = await graphql(standIn, SHOP, bad, "{ shop { name } }");
      expect(response.status).toBe(401);
      expect(response.body).toEqual({
        errors: "[API] Invalid API key or access token (unrecognized login or wrong password)",
      });
    }
  });

  it("finds the shop from X-Forwarded-Host, falling back to Host", async () => {
    const viaForwarded = await graphql(standIn, SHOP, token, "{ shop { myshopifyDomain } }");
    expect(pick(viaForwarded.body, "data.shop.myshopifyDomain")).toBe(SHOP);
    expect(viaForwarded.headers.get("x-shopify-api-version")).toBe("2026-10");
    const unknown = await graphql(standIn, "nowhere.myshopify.com", token, "{ shop { name } }");
    expect(unknown.status).toBe(404);
    const noShop = await fetch(`${standIn.url}/admin/api/2026-10/graphql.json`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Shopify-Access-Token": token },
      body: JSON.stringify({ query: "{ shop { name } }" }),
    });
    expect(noShop.status).toBe(404); // Host is the stand-in's own address, which is no shop
  });

  it("reports the shop, its counts and the cost of every call", async () => {
    const response = await graphql(
      standIn,
      SHOP,
      token,
      `
        {
          shop {
            id
            name
            myshopifyDomain
            currencyCode
            ianaTimezone
            plan {
              displayName
              partnerDevelopment
              shopifyPlus
            }
          }
          customersCount {
            count
            precision
          }
          ordersCount(limit: 100) {
            count
            precision
          }
          currentAppInstallation {
            accessScopes {
              handle
            }
          }
        }
      `,
    );
    const truth = standIn.groundTruth(SHOP);
    expect(response.body.data).toMatchObject({
      shop: {
        myshopifyDomain: SHOP,
        currencyCode: truth.customers[0]?.currencyCode,
        plan: { shopifyPlus: false },
      },
      customersCount: { count: truth.customers.length, precision: "EXACT" },
      ordersCount: { count: 100, precision: "AT_LEAST" },
      currentAppInstallation: {
        accessScopes: [
          { handle: "read_customers" },
          { handle: "read_orders" },
          { handle: "read_all_orders" },
        ],
      },
    });
    expect(response.body.extensions?.cost).toMatchObject({
      requestedQueryCost: expect.any(Number),
      actualQueryCost: expect.any(Number),
      throttleStatus: {
        maximumAvailable: 2000,
        currentlyAvailable: expect.any(Number),
        restoreRate: 100,
      },
    });
  });

  it("filters with Shopify's search syntax and paginates with cursors", async () => {
    const truth = standIn.groundTruth(SHOP);
    const since = [...truth.customers].map((c) => c.updatedAt).sort()[20] ?? "";
    const expected = truth.customers.filter((c) => c.updatedAt >= since).map((c) => c.id);
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: Awaited<ReturnType<typeof graphql>> = await graphql(
        standIn,
        SHOP,
        token,
        `
          query Page($after: String, $q: String) {
            customers(first: 7, after: $after, query: $q, sortKey: UPDATED_AT) {
              edges {
                cursor
                node {
                  id
                  updatedAt
                }
              }
              pageInfo {
                hasNextPage
                endCursor
              }
            }
          }
        `,
        { after, q: `updated_at:>='${since}'` },
      );
      const edges = pick<{ node: { id: string; updatedAt: string } }[]>(
        page.body,
        "data.customers.edges",
      );
      seen.push(...edges.map((e) => e.node.id.replace("gid://shopify/Customer/", "")));
      const dates = edges.map((e) => e.node.updatedAt);
      expect([...dates].sort()).toEqual(dates);
      if (!pick<boolean>(page.body, "data.customers.pageInfo.hasNextPage")) break;
      after = pick<string>(page.body, "data.customers.pageInfo.endCursor");
    }
    expect([...seen].sort()).toEqual([...expected].sort());
    const count = await graphql(
      standIn,
      SHOP,
      token,
      `{ customersCount(query: "updated_at:>='${since}'") { count } }`,
    );
    expect(pick(count.body, "data.customersCount.count")).toBe(expected.length);
    const noFirst = await graphql(standIn, SHOP, token, "{ orders { edges { node { id } } } }");
    expect(JSON.stringify(noFirst.body.errors)).toContain("you must provide one of first or last");
  });

  it("answers undefined fields in Shopify's words", async () => {
    const response = await graphql(standIn, SHOP, token, "{ shop { nope } }");
    expect(response.status).toBe(200);
    expect(response.body.errors).toMatchObject([
      {
        message: "Field 'nope' doesn't exist on type 'Shop'",
        extensions: { code: "undefinedField" },
      },
    ]);
  });

  it("hides orders older than 60 days without read_all_orders", async () => {
    const seeded = await standIn.seedShop({
      shop: "recent-only",
      customers: 10,
      orders: 60,
      scopes: ["read_customers", "read_orders"],
      endsAt: new Date().toISOString(),
      years: 1,
    });
    const truth = standIn.groundTruth("recent-only");
    const cutoff = Date.now() - 60 * 86_400_000;
    const recent = truth.orders.filter((o) => Date.parse(o.createdAt) >= cutoff - 5_000);
    const response = await graphql(
      standIn,
      "recent-only.myshopify.com",
      seeded.accessToken,
      "{ ordersCount(limit: null) { count } }",
    );
    expect(recent.length).toBeLessThan(truth.orders.length);
    expect(pick(response.body, "data.ordersCount.count")).toBe(recent.length);
  });
});

describe("rate limiting", () => {
  it("answers THROTTLED over budget and restores at the configured rate", async () => {
    const seeded = await standIn.seedShop({ shop: "busy", customers: 30, orders: 10 });
    standIn.setThrottle("busy", { maximumAvailable: 60, restoreRate: 20 });
    const query = "{ customers(first: 10) { edges { node { id amountSpent { amount } } } } }"; // 2 + 10 × 2
    const first = await graphql(standIn, "busy.myshopify.com", seeded.accessToken, query);
    expect(first.body.extensions?.cost.requestedQueryCost).toBe(22);
    const second = await graphql(standIn, "busy.myshopify.com", seeded.accessToken, query);
    expect(second.body.errors).toBeUndefined();
    const sent = Date.now();
    const throttled = await graphql(standIn, "busy.myshopify.com", seeded.accessToken, query);
    const answered = Date.now();
    expect(throttled.status).toBe(200);
    expect(throttled.body).toEqual({
      errors: [
        {
          message: "Throttled",
          extensions: {
            code: "THROTTLED",
            documentation: "https://shopify.dev/api/usage/rate-limits",
          },
        },
      ],
      extensions: {
        cost: {
          requestedQueryCost: 22,
          actualQueryCost: null,
          throttleStatus: {
            maximumAvailable: 60,
            currentlyAvailable: expect.any(Number),
            restoreRate: 20,
          },
        },
      },
    });
    const before = throttled.body.extensions?.cost.throttleStatus.currentlyAvailable ?? 0;
    expect(before).toBeLessThan(22);
    // Restoring is a matter of time: wait for 10 points (0.5 s at 20/s), then compare.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const asked = Date.now();
    const status = standIn.throttleStatus("busy");
    const done = Date.now();
    expect(status.currentlyAvailable).toBeGreaterThanOrEqual(
      before + Math.floor(((asked - answered) / 1000) * 20) - 1,
    );
    expect(status.currentlyAvailable).toBeLessThanOrEqual(
      before + Math.ceil(((done - sent) / 1000) * 20) + 1,
    );
    const again = await graphql(standIn, "busy.myshopify.com", seeded.accessToken, query);
    expect(again.body.errors).toBeUndefined();
  });

  it("refuses a single query over the maximum cost", async () => {
    const response = await graphql(
      standIn,
      SHOP,
      token,
      "{ orders(first: 250) { edges { node { lineItems(first: 50) { edges { node { id } } } } } } }",
    );
    expect(response.body.errors).toMatchObject([
      { extensions: { code: "MAX_COST_EXCEEDED", maxCost: 1000 } },
    ]);
    expect(response.body.data).toBeUndefined();
  });

  it("charges the actual cost and refunds the rest", async () => {
    const seeded = await standIn.seedShop({ shop: "refund", customers: 3, orders: 0 });
    const response = await graphql(
      standIn,
      "refund.myshopify.com",
      seeded.accessToken,
      "{ customers(first: 50) { edges { node { id } } } }",
    );
    expect(response.body.extensions?.cost).toMatchObject({
      requestedQueryCost: 52,
      actualQueryCost: 5,
    });
    expect(response.body.extensions?.cost.throttleStatus.currentlyAvailable).toBeGreaterThanOrEqual(
      1995,
    );
  });
});
