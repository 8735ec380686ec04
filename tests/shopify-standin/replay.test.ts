import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GroundTruth, GroundTruthCustomer, GroundTruthOrder, StandIn } from "./index.ts";
import {
  CUSTOMERS_QUERY,
  ORDERS_QUERY,
  RUN_BULK,
  fromBulk,
  graphql,
  parseJsonl,
  pick,
  startFakeApp,
  startStandIn,
} from "./testing.ts";
import type { FakeApp } from "./testing.ts";

// Replays webhooks onto a bulk export, mapping REST payloads onto the GraphQL-shaped row the way
// the README's mapping table says Recur should.
const SHOP = "replay.myshopify.com";
let app: FakeApp;
let standIn: StandIn;
let token = "";

beforeAll(async () => {
  app = await startFakeApp();
  standIn = await startStandIn(app, {
    webhookConcurrency: 1,
    bulk: { objectsPerSecond: 1_000_000 },
  });
  token = (await standIn.seedShop({ shop: SHOP, customers: 80, orders: 240 })).accessToken ?? "";
});

afterAll(async () => {
  await standIn.close();
  await app.close();
});

async function exportAll(): Promise<GroundTruth> {
  const files: Record<string, unknown>[][] = [];
  for (const query of [CUSTOMERS_QUERY, ORDERS_QUERY]) {
    const response = await graphql(standIn, SHOP, token, RUN_BULK, { query });
    const id = pick<string>(response.body, "data.bulkOperationRunQuery.bulkOperation.id");
    const done = await standIn.waitForBulkOperation(SHOP, id);
    files.push(parseJsonl(await (await fetch(done.url ?? "")).text()));
  }
  return fromBulk(files[0] ?? [], files[1] ?? []);
}

/** GraphQL Decimal ("12.5", "10.0") from a REST amount ("12.50"). */
function decimal(amount: string): string {
  const fixed = Number(amount).toFixed(2);
  return fixed.endsWith("0") ? fixed.slice(0, -1) : fixed;
}

function iso(restTime: string | null): string | null {
  return restTime === null ? null : new Date(restTime).toISOString().replace(".000Z", "Z");
}

const FULFILLMENT: Record<string, string> = {
  null: "UNFULFILLED",
  partial: "PARTIALLY_FULFILLED",
  fulfilled: "FULFILLED",
  restocked: "RESTOCKED",
};

type Rest = Record<string, unknown>;

function orderFromRest(o: Rest): GroundTruthOrder {
  const items = o.line_items as Rest[];
  const customer = o.customer as Rest | undefined;
  return {
    id: String(o.id),
    name: String(o.name),
    email: (o.email as string | null) ?? null,
    customerId: customer ? String(customer.id) : null,
    createdAt: iso(o.created_at as string) ?? "",
    updatedAt: iso(o.updated_at as string) ?? "",
    processedAt: iso(o.processed_at as string) ?? "",
    cancelledAt: iso(o.cancelled_at as string | null),
    cancelReason: o.cancel_reason === null ? null : String(o.cancel_reason).toUpperCase(),
    displayFinancialStatus: String(o.financial_status).toUpperCase(),
    displayFulfillmentStatus: FULFILLMENT[String(o.fulfillment_status)] ?? "",
    currencyCode: String(o.currency),
    totalPrice: decimal(String(o.total_price)),
    subtotalPrice: decimal(String(o.subtotal_price)),
    currentTotalPrice: decimal(String(o.current_total_price)),
    test: Boolean(o.test),
    tags: String(o.tags) === "" ? [] : String(o.tags).split(", "),
    lineItems: items.map((i) => ({
      id: String(i.id),
      title: String(i.title),
      variantTitle: (i.variant_title as string | null) ?? null,
      sku: (i.sku as string | null) ?? null,
      quantity: Number(i.quantity),
      price: decimal(String(i.price)),
      productId: i.product_id === null ? null : String(i.product_id),
      variantId: i.variant_id === null ? null : String(i.variant_id),
    })),
  };
}

function replay(base: GroundTruth, deliveries: { topic: string; body: string }[]): GroundTruth {
  const customers = new Map(base.customers.map((c) => [c.id, { ...c }]));
  const orders = new Map(base.orders.map((o) => [o.id, o]));
  for (const { topic, body } of deliveries) {
    const p = JSON.parse(body) as Rest;
    const gidNumber = (value: unknown) => String(value).split("/").pop() ?? "";
    if (topic === "customers/create" || topic === "customers/update") {
      const id = String(p.id);
      const existing = customers.get(id);
      const updatedAt = iso(p.updated_at as string) ?? "";
      if (existing && existing.updatedAt > updatedAt) continue;
      const row: GroundTruthCustomer = {
        id,
        email: (p.email as string | null) ?? null,
        firstName: (p.first_name as string | null) ?? null,
        lastName: (p.last_name as string | null) ?? null,
        phone: (p.phone as string | null) ?? null,
        state: String(p.state).toUpperCase() as GroundTruthCustomer["state"],
        tags: existing?.tags ?? [],
        verifiedEmail: Boolean(p.verified_email),
        numberOfOrders: existing?.numberOfOrders ?? 0,
        amountSpent: existing?.amountSpent ?? "0.0",
        currencyCode: String(p.currency),
        createdAt: iso(p.created_at as string) ?? "",
        updatedAt,
      };
      customers.set(id, row);
    } else if (topic === "customers/delete") {
      customers.delete(String(p.id));
    } else if (topic === "customers/purchasing_summary") {
      const row = customers.get(gidNumber(p.customerId));
      const spent = p.amountSpent as { amount: string; currencyCode: string };
      if (row)
        Object.assign(row, {
          numberOfOrders: Number(p.numberOfOrders),
          amountSpent: decimal(spent.amount),
        });
    } else if (topic === "customer.tags_added" || topic === "customer.tags_removed") {
      const row = customers.get(gidNumber(p.customerId));
      const tags = p.tags as string[];
      if (!row) continue;
      row.tags =
        topic === "customer.tags_added"
          ? [...new Set([...row.tags, ...tags])].sort()
          : row.tags.filter((t) => !tags.includes(t));
    } else if (topic === "orders/create" || topic === "orders/updated") {
      const row = orderFromRest(p);
      const existing = orders.get(row.id);
      if (!existing || existing.updatedAt <= row.updatedAt) orders.set(row.id, row);
    } else if (topic === "orders/delete") {
      orders.delete(String(p.id));
    }
  }
  return { customers: [...customers.values()], orders: [...orders.values()] };
}

describe("replaying the webhooks", () => {
  it("onto a bulk export reproduces the store's ground truth", async () => {
    const base = await exportAll();
    await standIn.waitForDeliveries();
    const from = app.received.length;
    const changes = standIn.burst(SHOP, 400);
    expect(new Set(changes.map((c) => c.kind)).size).toBe(6);
    await standIn.waitForDeliveries();
    const deliveries = app.received
      .slice(from)
      .map((r) => ({ topic: String(r.headers["x-shopify-topic"]), body: r.body }));
    const byId = (a: { id: string }, b: { id: string }) => a.id.localeCompare(b.id);
    const replayed = replay(base, deliveries);
    const truth = standIn.groundTruth(SHOP);
    expect(replayed.customers.sort(byId)).toEqual([...truth.customers].sort(byId));
    expect(replayed.orders.sort(byId)).toEqual([...truth.orders].sort(byId));
  });
});
