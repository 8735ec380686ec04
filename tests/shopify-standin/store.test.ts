import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { groundTruth } from "./ground-truth.ts";
import { Shop } from "./shop.ts";
import { ShopClock } from "./clock.ts";
import type { StandIn } from "./index.ts";
import { startFakeApp, startStandIn } from "./testing.ts";
import type { FakeApp } from "./testing.ts";

const endsAt = Date.parse("2026-11-01T00:00:00Z") / 1000;

function shop(domain: string, seed: number, customers = 300, orders = 900) {
  return new Shop({ domain, seed, customers, orders, endsAt, years: 3 });
}

describe("seeded data", () => {
  it("is the same for the same seed and shop, and differs otherwise", () => {
    const a = groundTruth(shop("det.myshopify.com", 7));
    const b = groundTruth(shop("det.myshopify.com", 7));
    const c = groundTruth(shop("det.myshopify.com", 8));
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  it("has line items, guests, cancellations, tests and custom items spread over years", () => {
    const truth = groundTruth(shop("spread.myshopify.com", 3));
    const orders = truth.orders;
    const counts = orders.map((o) => o.lineItems.length);
    expect(Math.min(...counts)).toBe(1);
    expect(Math.max(...counts)).toBe(5);
    expect(orders.some((o) => o.customerId === null)).toBe(true);
    expect(orders.some((o) => o.cancelledAt !== null && o.cancelReason !== null)).toBe(true);
    expect(orders.some((o) => o.test)).toBe(true);
    const items = orders.flatMap((o) => o.lineItems);
    expect(items.some((i) => i.productId === null && i.variantId === null)).toBe(true);
    expect(items.some((i) => i.productId !== null && i.variantId !== null)).toBe(true);
    const years = new Set(orders.map((o) => o.createdAt.slice(0, 4)));
    expect(years.size).toBeGreaterThanOrEqual(3);
    for (const o of orders) expect(o.updatedAt >= o.createdAt).toBe(true);
    for (const c of truth.customers) expect(c.updatedAt >= c.createdAt).toBe(true);
  });

  it("gives each shop one currency and uses several across shops", () => {
    const currencies = new Set<string>();
    for (let i = 0; i < 8; i++) {
      const s = shop(`cur${i}.myshopify.com`, 1, 5, 10);
      const truth = groundTruth(s);
      for (const o of truth.orders) expect(o.currencyCode).toBe(s.info.currencyCode);
      for (const c of truth.customers) expect(c.currencyCode).toBe(s.info.currencyCode);
      currencies.add(s.info.currencyCode);
    }
    expect(currencies.size).toBeGreaterThanOrEqual(3);
  });

  it("derives numberOfOrders and amountSpent from the customer's orders", () => {
    const truth = groundTruth(shop("stats.myshopify.com", 5));
    for (const c of truth.customers) {
      const mine = truth.orders.filter((o) => o.customerId === c.id);
      const spent = mine
        .filter((o) => o.displayFinancialStatus === "PAID" && o.cancelledAt === null)
        .reduce((sum, o) => sum + Math.round(Number(o.totalPrice) * 100), 0);
      expect(c.numberOfOrders).toBe(mine.length);
      expect(Math.round(Number(c.amountSpent) * 100)).toBe(spent);
      const lastOrderUpdate = mine
        .map((o) => o.updatedAt)
        .sort()
        .at(-1);
      if (lastOrderUpdate) expect(c.updatedAt >= lastOrderUpdate).toBe(true);
    }
  });

  // How fast it seeds is the benchmarks' business (bench/full-sync.ts seeds this size); a test
  // only says what it seeds.
  it("seeds 100,000 customers and 300,000 orders", () => {
    const big = shop("big.myshopify.com", 1, 100_000, 300_000);
    expect(big.customers.size).toBe(100_000);
    expect(big.orders.size).toBe(300_000);
  });
});

describe("the shop clock", () => {
  it("moves a resource's stamp forward by at least a second, never backwards", () => {
    let wall = 1_000;
    const clock = new ShopClock(500, () => wall);
    const first = clock.stamp(null);
    const second = clock.stamp(first);
    const third = clock.stamp(second);
    expect([first, second, third]).toEqual([1_000, 1_001, 1_002]);
    wall = 990; // the wall clock steps back; the shop clock does not
    expect(clock.stamp()).toBe(1_002);
    expect(clock.stamp(1_002)).toBe(1_003);
  });
});

describe("changes", () => {
  let app: FakeApp;
  let standIn: StandIn;

  beforeAll(async () => {
    app = await startFakeApp();
    standIn = await startStandIn(app, { webhookConcurrency: 1 });
    await standIn.seedShop({ shop: "changes", customers: 20, orders: 40 });
  });

  afterAll(async () => {
    await standIn.close();
    await app.close();
  });

  it("stamps every change at least a second after the last, with triggered-at never earlier", async () => {
    const customer = standIn.createCustomer("changes", { tags: ["a"] });
    const stamps = [customer.updatedAt];
    for (let i = 0; i < 5; i++)
      stamps.push(standIn.updateCustomer("changes", customer.id, { note: `n${i}` }).updatedAt);
    for (let i = 1; i < stamps.length; i++) {
      expect(Date.parse(stamps[i] ?? "") - Date.parse(stamps[i - 1] ?? "")).toBeGreaterThanOrEqual(
        1000,
      );
    }
    standIn.deleteCustomer("changes", customer.id);
    await standIn.waitForDeliveries();
    const mine = app.received.filter(
      (r) => r.body.includes(`Customer/${customer.id}`) || r.body.includes(`"id":${customer.id}`),
    );
    for (const delivery of mine) {
      const triggered = Date.parse(String(delivery.headers["x-shopify-triggered-at"]));
      const payload = JSON.parse(delivery.body) as { updated_at?: string };
      if (payload.updated_at)
        expect(triggered).toBeGreaterThanOrEqual(Date.parse(payload.updated_at));
    }
    const deletion = mine.find((r) => r.headers["x-shopify-topic"] === "customers/delete");
    expect(deletion).toBeDefined();
    expect(Date.parse(String(deletion?.headers["x-shopify-triggered-at"]))).toBeGreaterThan(
      Date.parse(stamps.at(-1) ?? ""),
    );
  });

  it("updates the customer's statistics and says so when an order changes", async () => {
    const customer = standIn.createCustomer("changes", { tags: [] });
    await standIn.waitForDeliveries();
    const before = app.received.length;
    const order = standIn.createOrder("changes", {
      customerId: customer.id,
      lineItems: [{ title: "Thing", price: "10.00", quantity: 2 }],
      shippingPrice: "0.00",
      financialStatus: "PAID",
    });
    await standIn.waitForDeliveries();
    const after = standIn.groundTruth("changes").customers.find((c) => c.id === customer.id);
    expect(after?.numberOfOrders).toBe(1);
    expect(after?.amountSpent).toBe(order.totalPrice);
    expect(Date.parse(after?.updatedAt ?? "")).toBeGreaterThan(Date.parse(customer.updatedAt));
    const topics = app.received.slice(before).map((r) => r.headers["x-shopify-topic"]);
    expect(topics).toEqual(["orders/create", "customers/update", "customers/purchasing_summary"]);
    const summary = JSON.parse(app.received.at(-1)?.body ?? "{}") as Record<string, unknown>;
    expect(summary).toMatchObject({
      customerId: `gid://shopify/Customer/${customer.id}`,
      numberOfOrders: 1,
      lastOrderId: `gid://shopify/Order/${order.id}`,
    });

    standIn.updateOrder("changes", order.id, { refund: "5.00" });
    await standIn.waitForDeliveries();
    const updated = app.received.filter((r) => r.headers["x-shopify-topic"] === "orders/updated");
    const refunded = JSON.parse(updated.at(-1)?.body ?? "{}") as Record<string, unknown>;
    expect(refunded).toMatchObject({
      id: Number(order.id),
      financial_status: "partially_refunded",
      total_price: Number(order.totalPrice).toFixed(2),
      current_total_price: (Number(order.totalPrice) - 5).toFixed(2),
    });

    standIn.updateOrder("changes", order.id, { cancel: { reason: "CUSTOMER" } });
    const cancelled = standIn.groundTruth("changes");
    expect(cancelled.orders.find((o) => o.id === order.id)).toMatchObject({
      cancelReason: "CUSTOMER",
      displayFinancialStatus: "REFUNDED",
      currentTotalPrice: "0.0",
    });
    expect(cancelled.customers.find((c) => c.id === customer.id)?.amountSpent).toBe("0.0");
    expect(() => standIn.deleteCustomer("changes", customer.id)).toThrow(/have orders/);
  });

  it("applies a burst of random changes", async () => {
    const before = standIn.groundTruth("changes");
    const changes = standIn.burst("changes", 50);
    expect(changes).toHaveLength(50);
    expect(new Set(changes.map((c) => c.kind)).size).toBeGreaterThanOrEqual(3);
    expect(standIn.groundTruth("changes")).not.toEqual(before);
    await standIn.waitForDeliveries();
  });
});
