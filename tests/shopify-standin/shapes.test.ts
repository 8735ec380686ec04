// Shopify's real shapes (README: "Shopify's real shapes"), per shop: ids above 2^53, protected
// fields left out, fulfillments and refunds, every displayFulfillmentStatus, 500+ line items,
// the documented shop nulls, Shopify's serialisation; and the defaults unchanged without them.
import { parse } from "lossless-json";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FulfillmentStatus } from "./model.ts";
import type { StandIn } from "./index.ts";
import { shopifyIdOf } from "./index.ts";
import { RUN_BULK, graphql, parseJsonl, pick, startFakeApp, startStandIn } from "./testing.ts";
import type { FakeApp } from "./testing.ts";

let app: FakeApp;
let standIn: StandIn;
const tokens: Record<string, string> = {};
const OFFSET = 820982911946154508n - 1_000_000n;

beforeAll(async () => {
  app = await startFakeApp();
  standIn = await startStandIn(app, { bulk: { objectsPerSecond: 1_000_000 } });
  for (const shop of ["plain", "real"]) {
    tokens[shop] = (await standIn.seedShop({ shop, customers: 5, orders: 5 })).accessToken ?? "";
  }
  standIn.setPayloadShapes("real", {
    idOffset: OFFSET,
    shopifyJson: true,
    fulfillmentsAndRefunds: true,
    documentedNulls: true,
  });
});

afterAll(async () => {
  await standIn.close();
  await app.close();
});

/** The last body the stand-in sent for a topic (after every delivery settled). */
async function lastBody(shop: string, topic: string): Promise<string> {
  await standIn.waitForDeliveries();
  const bodies = standIn.deliveries({ shop: `${shop}.myshopify.com`, topic }).map((d) => d.body);
  expect(bodies.length).toBeGreaterThan(0);
  return bodies[bodies.length - 1]!;
}

/** Parsed without rounding: ids beyond 2^53 come back as bigint-able strings of digits. */
function exact(body: string): Record<string, unknown> {
  return parse(body, undefined, (value) => {
    const n = Number(value);
    return Number.isSafeInteger(n) || !/^\d+$/.test(value) ? n : value;
  }) as Record<string, unknown>;
}

describe("defaults", () => {
  it("bodies are JSON.stringify's, ids as stored, every field present, no fulfillments", async () => {
    const customer = standIn.createCustomer("plain", { firstName: "Ada", phone: "+15550100" });
    const body = await lastBody("plain", "customers/create");
    expect(body).toBe(JSON.stringify(JSON.parse(body)));
    expect(body).toContain(`"admin_graphql_api_id":"gid://shopify/Customer/${customer.id}"`);
    expect(JSON.parse(body)).toMatchObject({
      id: Number(customer.id),
      first_name: "Ada",
      phone: "+15550100",
    });
    standIn.createOrder("plain", { fulfillmentStatus: "FULFILLED" });
    const order = JSON.parse(await lastBody("plain", "orders/create")) as Record<string, unknown>;
    expect(order.fulfillments).toEqual([]);
    expect(order.refunds).toEqual([]);
  });
});

describe("Shopify's real shapes", () => {
  it("ids above 2^53, exactly, in webhook bodies and in bulk lines alike", async () => {
    const customer = standIn.createCustomer("real");
    const id = shopifyIdOf(standIn.getPayloadShapes("real"), customer.id);
    expect(BigInt(id)).toBeGreaterThan(2n ** 53n);
    const body = await lastBody("real", "customers/create");
    expect(body).toContain(`"id":${id},`);
    expect(body).toContain(`"admin_graphql_api_id":"gid:\\/\\/shopify\\/Customer\\/${id}"`);
    expect(exact(body).id).toBe(id);

    const started = pick<{ bulkOperation: { id: string } }>(
      (
        await graphql(
          standIn,
          "real.myshopify.com",
          tokens.real ?? "",
          RUN_BULK,
          { query: "{ customers { edges { node { id } } } }" },
          "2026-10",
        )
      ).body,
      "data.bulkOperationRunQuery",
    );
    // The bulk operation's own id is the Admin API's, not moved.
    expect(BigInt(started.bulkOperation.id.split("/").pop()!)).toBeLessThan(2n ** 53n);
    const done = await standIn.waitForBulkOperation("real", started.bulkOperation.id);
    const lines = parseJsonl(await (await fetch(done.url ?? "")).text());
    expect(lines.map((line) => line.id)).toContain(`gid://shopify/Customer/${id}`);
  });

  it("compact bodies with / escaped as \\/ and &, <, > as \\u0026, \\u003c, \\u003e", async () => {
    standIn.createCustomer("real", { note: "Tom & Jerry <3", lastName: "Smith/Jones" });
    const body = await lastBody("real", "customers/create");
    expect(body).toContain('"note":"Tom \\u0026 Jerry \\u003c3"');
    expect(body).toContain('"last_name":"Smith\\/Jones"');
    // No unescaped "/", "&", "<" or ">", and no whitespace between tokens.
    expect(body).not.toMatch(/(?<!\\)\/|[&<>]|\n|":\s|,\s"/);
    expect(JSON.parse(body)).toMatchObject({ note: "Tom & Jerry <3", last_name: "Smith/Jones" });
  });

  it("protected fields the app is not approved for are absent, not null", async () => {
    standIn.setPayloadShapes("real", { ...standIn.getPayloadShapes("real"), approvedFields: [] });
    try {
      const customer = standIn.createCustomer("real", { firstName: "Ada", phone: "+15550100" });
      const created = exact(await lastBody("real", "customers/create"));
      for (const key of ["first_name", "last_name", "email", "phone", "addresses"])
        expect(created, key).not.toHaveProperty(key);
      expect(created).toMatchObject({ state: expect.any(String), verified_email: true });

      standIn.createOrder("real", { customerId: customer.id });
      const order = exact(await lastBody("real", "orders/create"));
      for (const key of ["email", "contact_email", "phone", "billing_address", "shipping_address"])
        expect(order, key).not.toHaveProperty(key);
      expect(order.customer).not.toHaveProperty("email");
      expect(order.customer).not.toHaveProperty("first_name");

      // Approved for names and email only: phone and addresses stay out.
      standIn.setPayloadShapes("real", {
        ...standIn.getPayloadShapes("real"),
        approvedFields: ["name", "email"],
      });
      standIn.updateCustomer("real", customer.id, { lastName: "Lovelace" });
      const updated = exact(await lastBody("real", "customers/update"));
      expect(updated).toMatchObject({ first_name: "Ada", last_name: "Lovelace" });
      expect(updated).not.toHaveProperty("phone");
      expect(updated).not.toHaveProperty("default_address");
    } finally {
      const { approvedFields: _, ...rest } = standIn.getPayloadShapes("real");
      standIn.setPayloadShapes("real", rest);
    }
  });

  it("fulfillments and refunds repeat the order's line items", async () => {
    const created = standIn.createOrder("real", {
      fulfillmentStatus: "FULFILLED",
      lineItems: [
        { title: "A", price: "10.00" },
        { title: "B", price: "20.00" },
      ],
    });
    standIn.updateOrder("real", created.id, { financialStatus: "REFUNDED" });
    const order = exact(await lastBody("real", "orders/updated")) as {
      line_items: { id: string }[];
      fulfillments: { line_items: { id: string }[]; order_id: string }[];
      refunds: { refund_line_items: { line_item_id: string; line_item: { id: string } }[] }[];
    };
    const ids = order.line_items.map((item) => item.id);
    expect(ids).toHaveLength(2);
    expect(order.fulfillments[0]!.order_id).toBe(shopifyIdOf({ idOffset: OFFSET }, created.id));
    expect(order.fulfillments[0]!.line_items.map((item) => item.id)).toEqual(ids);
    expect(order.refunds[0]!.refund_line_items.map((r) => r.line_item.id)).toEqual(ids);
    expect(order.refunds[0]!.refund_line_items.map((r) => r.line_item_id)).toEqual(ids);
  });

  it("every displayFulfillmentStatus, with REST's value for it", async () => {
    const rest: Record<FulfillmentStatus, string | null> = {
      FULFILLED: "fulfilled",
      FULFILLMENT_NOT_REQUIRED: null,
      IN_PROGRESS: null,
      ON_HOLD: null,
      OPEN: null,
      PARTIALLY_FULFILLED: "partial",
      PENDING_FULFILLMENT: null,
      REQUEST_DECLINED: null,
      RESTOCKED: "restocked",
      SCHEDULED: null,
      UNFULFILLED: null,
    };
    for (const [status, restStatus] of Object.entries(rest) as [FulfillmentStatus, string][]) {
      const order = standIn.createOrder("real", { fulfillmentStatus: status });
      expect(order.displayFulfillmentStatus).toBe(status);
      expect(exact(await lastBody("real", "orders/create")).fulfillment_status, status).toBe(
        restStatus,
      );
    }
  });

  it("an order with 600 line items", async () => {
    standIn.createOrder("real", {
      lineItems: Array.from({ length: 600 }, (_, i) => ({ title: `Item ${i}`, price: "1.00" })),
    });
    const order = exact(await lastBody("real", "orders/create")) as { line_items: unknown[] };
    expect(order.line_items).toHaveLength(600);
  });

  it("app/uninstalled with the documented body's nulls", async () => {
    standIn.uninstall("real");
    const shop = exact(await lastBody("real", "app/uninstalled"));
    expect(shop).toMatchObject({ myshopify_domain: null, domain: null, plan_name: null });
    expect(BigInt(String(shop.id))).toBeGreaterThan(2n ** 53n);
  });
});

describe("the control API", () => {
  it("sets and reads a shop's shapes, idOffset as a decimal string, and refuses a bad offset", async () => {
    const url = `${standIn.url}/_standin/shops/plain/payload-shapes`;
    const put = (body: unknown) =>
      fetch(url, {
        method: "PUT",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
    try {
      const set = await put({ idOffset: "18446744073709551615", shopifyJson: true });
      expect(set.status).toBe(422);
      const ok = await put({ idOffset: "9007199254740993", approvedFields: ["email"] });
      expect(ok.status).toBe(200);
      expect(await (await fetch(url)).json()).toEqual({
        idOffset: "9007199254740993",
        approvedFields: ["email"],
      });
      expect(standIn.getPayloadShapes("plain").idOffset).toBe(9007199254740993n);
      expect((await put({ idOffset: 5 })).status).toBe(422);
    } finally {
      standIn.setPayloadShapes("plain", {});
    }
  });
});
