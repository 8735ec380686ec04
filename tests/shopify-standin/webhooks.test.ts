import { setTimeout as sleepFor } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { RETRY_COUNT, RETRY_DELAYS_MS } from "./index.ts";
import type { StandIn } from "./index.ts";
import { graphql, shopifyLibrary, startFakeApp, startStandIn, toFetchRequest } from "./testing.ts";
import type { FakeApp, Received } from "./testing.ts";

const shopify = shopifyLibrary();
let app: FakeApp | undefined;
let standIn: StandIn | undefined;

afterEach(async () => {
  await standIn?.close();
  await app?.close();
  standIn = undefined;
  app = undefined;
});

function header(r: Received, name: string): string {
  return String(r.headers[name.toLowerCase()] ?? "");
}

describe("webhook deliveries", () => {
  it("carry Shopify's headers and an HMAC that @shopify/shopify-api validates", async () => {
    app = await startFakeApp(
      () => 200,
      async (entry) => {
        entry.validation = await shopify.webhooks.validate({
          rawBody: entry.body,
          rawRequest: toFetchRequest("http://app.test", entry),
        });
      },
    );
    standIn = await startStandIn(app, { webhookConcurrency: 1, subscriptionName: "recur-sync" });
    await standIn.seedShop({ shop: "hooks", customers: 3, orders: 3 });
    const customer = standIn.createCustomer("hooks", { tags: ["vip"] });
    await standIn.waitForDeliveries();
    expect(app.received.map((r) => header(r, "X-Shopify-Topic"))).toEqual([
      "customers/create",
      "customer.tags_added",
    ]);
    const [create] = app.received;
    expect(create?.path).toBe("/webhooks");
    expect(create?.method).toBe("POST");
    expect(header(create as Received, "Content-Type")).toBe("application/json");
    expect(create?.validation).toMatchObject({
      valid: true,
      topic: "CUSTOMERS_CREATE",
      domain: "hooks.myshopify.com",
      apiVersion: "2026-10",
      name: "recur-sync",
    });
    const validation = create?.validation as {
      webhookId: string;
      eventId: string;
      triggeredAt: string;
    };
    expect(validation.webhookId).toMatch(/^[0-9a-f-]{36}$/);
    expect(validation.eventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(Date.parse(validation.triggeredAt)).toBeGreaterThanOrEqual(
      Date.parse(customer.updatedAt),
    );

    const payload = JSON.parse(create?.body ?? "{}") as Record<string, unknown>;
    expect(payload).toMatchObject({
      id: Number(customer.id),
      admin_graphql_api_id: `gid://shopify/Customer/${customer.id}`,
      email: customer.email,
      first_name: customer.firstName,
      state: customer.state.toLowerCase(),
      verified_email: customer.verifiedEmail,
      currency: customer.currencyCode,
    });
    expect(String(payload.updated_at)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/);
    expect(Date.parse(String(payload.updated_at))).toBe(Date.parse(customer.updatedAt));
    // Since 2025-01 customer payloads carry neither tags nor order statistics.
    expect(payload).not.toHaveProperty("tags");
    expect(payload).not.toHaveProperty("orders_count");
    expect(JSON.parse(app.received[1]?.body ?? "{}")).toMatchObject({
      customerId: `gid://shopify/Customer/${customer.id}`,
      tags: ["vip"],
    });
  });

  it("send orders as REST resources that describe the same state as the GraphQL view", async () => {
    app = await startFakeApp();
    standIn = await startStandIn(app, { webhookConcurrency: 1 });
    await standIn.seedShop({ shop: "orders", customers: 5, orders: 5 });
    const order = standIn.createOrder("orders", {
      tags: ["b", "a"],
      fulfillmentStatus: "UNFULFILLED",
    });
    await standIn.waitForDeliveries();
    const delivery = app.received.find((r) => header(r, "X-Shopify-Topic") === "orders/create");
    const rest = JSON.parse(delivery?.body ?? "{}") as Record<string, unknown> & {
      line_items: Record<string, unknown>[];
      customer?: Record<string, unknown>;
    };
    expect(rest).toMatchObject({
      id: Number(order.id),
      admin_graphql_api_id: `gid://shopify/Order/${order.id}`,
      name: order.name,
      email: order.email,
      financial_status: order.displayFinancialStatus.toLowerCase(),
      fulfillment_status: null,
      tags: "a, b",
      test: order.test,
      currency: order.currencyCode,
      cancelled_at: null,
      cancel_reason: null,
    });
    expect(Number(rest.total_price)).toBe(Number(order.totalPrice));
    expect(Number(rest.subtotal_price)).toBe(Number(order.subtotalPrice));
    expect(Date.parse(String(rest.created_at))).toBe(Date.parse(order.createdAt));
    expect(Date.parse(String(rest.processed_at))).toBe(Date.parse(order.processedAt));
    expect(rest.line_items).toHaveLength(order.lineItems.length);
    rest.line_items.forEach((item, i) => {
      const truth = order.lineItems[i];
      expect(item).toMatchObject({
        id: Number(truth?.id),
        title: truth?.title,
        variant_title: truth?.variantTitle,
        sku: truth?.sku,
        quantity: truth?.quantity,
        product_id: truth?.productId === null ? null : Number(truth?.productId),
        variant_id: truth?.variantId === null ? null : Number(truth?.variantId),
      });
      expect(Number(item.price)).toBe(Number(truth?.price));
    });
    if (order.customerId) expect(rest.customer?.id).toBe(Number(order.customerId));
  });

  it("retry a failed delivery 8 times with growing delays, the same webhook id and the original payload", async () => {
    app = await startFakeApp(() => 500);
    const timeScale = 0.0002; // 4 hours of retries in about 3 seconds
    standIn = await startStandIn(app, { timeScale });
    await standIn.seedShop({ shop: "retries", customers: 1, orders: 0 });
    standIn.sendWebhook("retries", { topic: "customers/update", payload: { id: 1 } });
    await standIn.waitForDeliveries(20_000);
    expect(app.received).toHaveLength(RETRY_COUNT + 1);
    const ids = new Set(app.received.map((r) => header(r, "X-Shopify-Webhook-Id")));
    const bodies = new Set(app.received.map((r) => r.body));
    expect(ids.size).toBe(1);
    expect(bodies.size).toBe(1);
    const gaps = app.received.slice(1).map((r, i) => r.at - (app?.received[i]?.at ?? 0));
    gaps.forEach((gap, i) => {
      const expected = (RETRY_DELAYS_MS[i] ?? 0) * timeScale;
      expect(gap).toBeGreaterThanOrEqual(expected * 0.9);
      expect(gap).toBeLessThan(expected + 400);
    });
    // The schedule itself doubles each time and spans Shopify's four hours.
    for (let i = 1; i < RETRY_DELAYS_MS.length; i++) {
      expect((RETRY_DELAYS_MS[i] ?? 0) / (RETRY_DELAYS_MS[i - 1] ?? 1)).toBeCloseTo(2);
    }
    expect(RETRY_DELAYS_MS.reduce((a, b) => a + b, 0)).toBeCloseTo(4 * 3600 * 1000);
    const [record] = standIn.deliveries({ shop: "retries" });
    expect(record?.status).toBe("failed");
    expect(record?.attempts.map((a) => a.statusCode)).toEqual(Array(RETRY_COUNT + 1).fill(500));
  });

  it("count redirects and slow answers as failures", async () => {
    let calls = 0;
    app = await startFakeApp(async () => {
      calls += 1;
      if (calls === 1) return 302;
      if (calls === 2) {
        await sleepFor(400);
        return 200;
      }
      return 200;
    });
    standIn = await startStandIn(app, { timeScale: 0.0001, webhookTimeoutMs: 200 });
    await standIn.seedShop({ shop: "slow", customers: 1, orders: 0 });
    standIn.sendWebhook("slow", { topic: "orders/updated", payload: { id: 2 } });
    await standIn.waitForDeliveries();
    const [record] = standIn.deliveries({ shop: "slow" });
    expect(record?.status).toBe("delivered");
    expect(record?.attempts.map((a) => a.statusCode)).toEqual([302, null, 200]);
    expect(record?.attempts[1]?.error).toMatch(/timeout/);
    expect(record?.attempts[1]?.durationMs).toBeGreaterThanOrEqual(190);
  });
});

describe("delivery faults", () => {
  async function setup(faults: Parameters<StandIn["setFaults"]>[1]) {
    app = await startFakeApp();
    standIn = await startStandIn(app, { webhookConcurrency: 1, seed: 42 });
    await standIn.seedShop({ shop: "faults", customers: 5, orders: 5 });
    standIn.setFaults("faults", faults);
    return standIn;
  }

  it("drop deliveries that are then never sent", async () => {
    const s = await setup({ dropRate: 1 });
    s.createCustomer("faults");
    s.updateOrder("faults", s.groundTruth("faults").orders[0]?.id ?? "");
    await s.waitForDeliveries();
    expect(app?.received).toHaveLength(0);
    expect(
      s
        .deliveries({ shop: "faults" })
        .every((d) => d.status === "dropped" && d.attempts.length === 0),
    ).toBe(true);
    s.setFaults("faults", {});
    s.createCustomer("faults", { tags: [] });
    await s.waitForDeliveries();
    expect(app?.received).toHaveLength(1);
  });

  it("resend a delivered webhook with the same webhook id", async () => {
    const s = await setup({ duplicateRate: 1 });
    s.createCustomer("faults", { tags: [] });
    await s.waitForDeliveries();
    const received = app?.received ?? [];
    expect(received).toHaveLength(2);
    expect(header(received[0] as Received, "X-Shopify-Webhook-Id")).toBe(
      header(received[1] as Received, "X-Shopify-Webhook-Id"),
    );
    expect(received[0]?.body).toBe(received[1]?.body);
  });

  it("deliver one event twice under different webhook ids, as two subscriptions would", async () => {
    const s = await setup({ duplicateEventRate: 1 });
    s.createCustomer("faults", { tags: [] });
    await s.waitForDeliveries();
    const received = app?.received ?? [];
    expect(received).toHaveLength(2);
    expect(new Set(received.map((r) => header(r, "X-Shopify-Webhook-Id"))).size).toBe(2);
    expect(new Set(received.map((r) => header(r, "X-Shopify-Event-Id"))).size).toBe(1);
  });

  it("deliver out of order and late when told to", async () => {
    const s = await setup({ reorderRate: 0.5, reorderDelayMs: 150 });
    const created = Array.from({ length: 16 }, () => s.createCustomer("faults", { tags: [] }).id);
    await s.waitForDeliveries();
    const arrived = (app?.received ?? []).map((r) =>
      String((JSON.parse(r.body) as { id: number }).id),
    );
    expect([...arrived].sort()).toEqual([...created].sort());
    expect(arrived).not.toEqual(created);
    expect(s.deliveries({ shop: "faults" }).some((d) => d.faults.includes("reordered"))).toBe(true);

    s.setFaults("faults", { delayRate: 1, delayMs: 300 });
    const started = Date.now();
    s.createCustomer("faults", { tags: [] });
    await s.waitForDeliveries();
    expect((app?.received.at(-1)?.at ?? 0) - started).toBeGreaterThanOrEqual(290);
  });
});

describe("sent on request", () => {
  it("any signed delivery, even a malformed body, and ones with a bad HMAC or missing headers", async () => {
    app = await startFakeApp(
      (entry) => (entry.body.startsWith("{not") ? 400 : 200),
      async (entry) => {
        entry.validation = await shopify.webhooks.validate({
          rawBody: entry.body,
          rawRequest: toFetchRequest("http://app.test", entry),
        });
      },
    );
    standIn = await startStandIn(app, { webhookConcurrency: 1, timeScale: 0.00001 });
    await standIn.seedShop({ shop: "poison", customers: 1, orders: 0 });
    const poison = standIn.sendWebhook("poison", {
      topic: "orders/create",
      rawBody: "{not json",
      retry: false,
    });
    standIn.sendWebhook("poison", { topic: "orders/create", payload: { id: 1 }, sign: "invalid" });
    standIn.sendWebhook("poison", {
      topic: "orders/create",
      payload: { id: 1 },
      omitHeaders: ["X-Shopify-Webhook-Id"],
    });
    await standIn.waitForDeliveries();
    const [first, second, third] = app.received;
    expect(first?.body).toBe("{not json");
    expect(first?.validation).toMatchObject({ valid: true, topic: "ORDERS_CREATE" });
    expect(second?.validation).toMatchObject({ valid: false, reason: "invalid_hmac" });
    expect(third?.validation).toMatchObject({ valid: false, reason: "missing_headers" });
    expect(
      standIn.deliveries({ shop: "poison" }).find((d) => d.webhookId === poison.webhookId)?.status,
    ).toBe("failed");
  });

  it("app/uninstalled revokes the shop's tokens and stops change webhooks; compliance topics keep coming", async () => {
    app = await startFakeApp();
    standIn = await startStandIn(app, { webhookConcurrency: 1 });
    const seeded = await standIn.seedShop({ shop: "gone", customers: 3, orders: 6 });
    const ok = await graphql(
      standIn,
      "gone.myshopify.com",
      seeded.accessToken,
      "{ shop { name } }",
    );
    expect(ok.status).toBe(200);
    standIn.uninstall("gone");
    standIn.createCustomer("gone");
    const customer = standIn.groundTruth("gone").customers.find((c) => c.numberOfOrders > 0);
    standIn.sendCustomersDataRequest("gone", { customerId: customer?.id });
    standIn.sendCustomersRedact("gone", { customerId: customer?.id });
    standIn.sendShopRedact("gone");
    await standIn.waitForDeliveries();
    expect(app.received.map((r) => header(r, "X-Shopify-Topic"))).toEqual([
      "app/uninstalled",
      "customers/data_request",
      "customers/redact",
      "shop/redact",
    ]);
    const [uninstalled, dataRequest, redact, shopRedact] = app.received.map(
      (r) => JSON.parse(r.body) as Record<string, unknown>,
    );
    expect(uninstalled).toMatchObject({
      myshopify_domain: "gone.myshopify.com",
      currency: seeded.currencyCode,
    });
    const orders = standIn
      .groundTruth("gone")
      .orders.filter((o) => o.customerId === customer?.id)
      .map((o) => Number(o.id));
    expect(dataRequest).toMatchObject({
      shop_domain: "gone.myshopify.com",
      customer: { id: Number(customer?.id), email: customer?.email, phone: customer?.phone },
      orders_requested: orders,
      data_request: { id: expect.any(Number) },
    });
    expect(redact).toMatchObject({
      customer: { id: Number(customer?.id) },
      orders_to_redact: orders,
    });
    expect(shopRedact).toEqual({ shop_id: expect.any(Number), shop_domain: "gone.myshopify.com" });
    const denied = await graphql(
      standIn,
      "gone.myshopify.com",
      seeded.accessToken,
      "{ shop { name } }",
    );
    expect(denied.status).toBe(401);
  });
});
