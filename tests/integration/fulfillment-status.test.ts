/**
 * One fulfillment vocabulary (docs/decisions/031): orders store GraphQL's
 * OrderDisplayFulfillmentStatus, from bulk syncs as sent and from webhooks mapped from REST's
 * fulfillment_status. A REST value that cannot tell several GraphQL values apart (null: unfulfilled,
 * on hold, scheduled, ...) never overwrites a stored value it may stand for.
 */
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { pool } from "../../app/db.server.ts";
import {
  ORDER_DISPLAY_FULFILLMENT_STATUS,
  restFulfillmentStatus,
} from "../../app/lib/db/shopify-enums.server.ts";
import { ingestBulkResult } from "../../app/lib/sync/ingest.server.ts";
import { installShop, query } from "../support/db.ts";
import { drainJobs } from "../support/jobs.ts";
import { restOrder } from "../support/payloads.ts";
import { sendWebhook } from "../support/webhooks.ts";
import { useWebhookApp } from "../support/webhook-app.ts";

const SHOP = "fulfillment-status.myshopify.com";
const app = useWebhookApp();
let shopId: number;

beforeAll(async () => {
  shopId = await installShop(SHOP);
});

const at = (minute: number) => new Date(Date.UTC(2026, 10, 20, 10, minute)).toISOString();

/** orders/updated with REST's fulfillment_status, posted and processed. */
async function webhook(id: number, updatedAt: string, fulfillmentStatus: string | null) {
  const payload = restOrder(id, updatedAt, { fulfillment_status: fulfillmentStatus });
  expect(await sendWebhook(app.url, { topic: "orders/updated", shop: SHOP, payload })).toBe(200);
  await drainJobs();
}

/** A bulk sync's order line (and its line item) with GraphQL's displayFulfillmentStatus. */
async function bulkSync(id: number, updatedAt: string, displayFulfillmentStatus: string) {
  const money = { shopMoney: { amount: "25.00", currencyCode: "EUR" } };
  const lines = [
    {
      id: `gid://shopify/Order/${id}`,
      name: `#${id}`,
      email: "buyer@example.com",
      customer: { id: "gid://shopify/Customer/7" },
      createdAt: "2024-01-01T00:00:00Z",
      updatedAt,
      processedAt: "2024-01-01T00:00:00Z",
      cancelledAt: null,
      cancelReason: null,
      displayFinancialStatus: "PAID",
      displayFulfillmentStatus,
      currencyCode: "EUR",
      totalPriceSet: money,
      subtotalPriceSet: money,
      currentTotalPriceSet: money,
      test: false,
      tags: [],
    },
    {
      id: `gid://shopify/LineItem/${id * 10}`,
      __parentId: `gid://shopify/Order/${id}`,
      title: "Sweater",
      variantTitle: "M",
      sku: "SW-M",
      quantity: 1,
      originalUnitPriceSet: money,
      product: { id: "gid://shopify/Product/55" },
      variant: { id: "gid://shopify/ProductVariant/66" },
    },
  ];
  const client = await pool.connect();
  try {
    const text = lines.map((line) => JSON.stringify(line)).join("\n") + "\n";
    const counts = await ingestBulkResult(client, new Blob([text]).stream(), {
      shopId,
      entity: "orders",
      snapshotAt: at(0),
    });
    expect(counts.rejected).toBe(0);
  } finally {
    client.release();
  }
}

async function storedOrder(id: number) {
  const rows = await query<{ fulfillment_status: string | null; shopify_updated_at: Date }>(
    "SELECT fulfillment_status, shopify_updated_at FROM orders WHERE shop_id = $1 AND shopify_id = $2",
    [shopId, id],
  );
  return rows[0]!;
}

describe("an on-hold order seen alternately by webhook and bulk sync", () => {
  it("keeps ON_HOLD for the same version, whichever source comes first", async () => {
    // Bulk first.
    await bulkSync(1001, at(1), "ON_HOLD");
    for (let round = 0; round < 3; round++) {
      await webhook(1001, at(1), null);
      expect((await storedOrder(1001)).fulfillment_status).toBe("ON_HOLD");
      await bulkSync(1001, at(1), "ON_HOLD");
      expect((await storedOrder(1001)).fulfillment_status).toBe("ON_HOLD");
    }

    // Webhook first: REST null is all it knows, until the sync says more.
    await webhook(1002, at(1), null);
    expect((await storedOrder(1002)).fulfillment_status).toBe("UNFULFILLED");
    for (let round = 0; round < 3; round++) {
      await bulkSync(1002, at(1), "ON_HOLD");
      expect((await storedOrder(1002)).fulfillment_status).toBe("ON_HOLD");
      await webhook(1002, at(1), null);
      expect((await storedOrder(1002)).fulfillment_status).toBe("ON_HOLD");
    }
  });

  it("a newer REST null keeps a stored on-hold, scheduled or declined status and writes the rest", async () => {
    for (const [id, status] of [
      [1101, "ON_HOLD"],
      [1102, "SCHEDULED"],
      [1103, "REQUEST_DECLINED"],
      [1104, "IN_PROGRESS"],
      [1105, "FULFILLMENT_NOT_REQUIRED"],
    ] as const) {
      await bulkSync(id, at(1), status);
      await webhook(id, at(2), null);
      expect(await storedOrder(id)).toEqual({
        fulfillment_status: status,
        shopify_updated_at: new Date(at(2)),
      });
    }
  });

  it("a REST value that rules the stored status out replaces it", async () => {
    // Fulfilled, then its fulfillment cancelled: REST null cannot be FULFILLED.
    await bulkSync(1201, at(1), "FULFILLED");
    await webhook(1201, at(2), null);
    expect((await storedOrder(1201)).fulfillment_status).toBe("UNFULFILLED");

    // On hold, then fulfilled: exact.
    await bulkSync(1202, at(1), "ON_HOLD");
    await webhook(1202, at(2), "fulfilled");
    expect((await storedOrder(1202)).fulfillment_status).toBe("FULFILLED");

    // Partially fulfilled with the rest on hold stays ON_HOLD; unfulfilled becomes partial.
    await bulkSync(1203, at(1), "ON_HOLD");
    await webhook(1203, at(2), "partial");
    expect((await storedOrder(1203)).fulfillment_status).toBe("ON_HOLD");
    await bulkSync(1204, at(1), "UNFULFILLED");
    await webhook(1204, at(2), "partial");
    expect((await storedOrder(1204)).fulfillment_status).toBe("PARTIALLY_FULFILLED");

    // A bulk sync is exact: of the same version, its UNFULFILLED replaces ON_HOLD.
    await bulkSync(1205, at(1), "ON_HOLD");
    await bulkSync(1205, at(1), "UNFULFILLED");
    expect((await storedOrder(1205)).fulfillment_status).toBe("UNFULFILLED");
  });

  it("REST values map onto GraphQL's; pending (test bodies) reads as nothing fulfilled", async () => {
    const cases: [string | null, string][] = [
      [null, "UNFULFILLED"],
      ["pending", "UNFULFILLED"],
      ["partial", "PARTIALLY_FULFILLED"],
      ["fulfilled", "FULFILLED"],
      ["restocked", "RESTOCKED"],
    ];
    let id = 1300;
    for (const [rest, graphql] of cases) {
      id += 1;
      await webhook(id, at(1), rest);
      expect((await storedOrder(id)).fulfillment_status, String(rest)).toBe(graphql);
    }
  });
});

describe("property: a REST value never overwrites a stored status it may stand for", () => {
  it("for any stored GraphQL status and any REST value of the same or a newer version", async () => {
    let id = 2000;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ORDER_DISPLAY_FULFILLMENT_STATUS),
        fc.constantFrom(null, "pending", "partial", "fulfilled", "restocked"),
        fc.boolean(),
        async (stored, rest, newer) => {
          id += 1;
          await bulkSync(id, at(1), stored);
          await webhook(id, newer ? at(2) : at(1), rest);
          const { status, alsoMeans } = restFulfillmentStatus(rest);
          const expected = stored === status || alsoMeans.includes(stored) ? stored : status;
          expect((await storedOrder(id)).fulfillment_status).toBe(expected);
        },
      ),
      { numRuns: 40 },
    );
  });
});
