/**
 * Tolerate what Shopify adds (docs/decisions/032): an enum value Recur does not know (a customer
 * state, a financial status, a fulfillment status, a cancel reason) is stored as sent in upper
 * case and logged once per value per process; the delivery or bulk line is never refused for it.
 */
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { pool } from "../../app/db.server.ts";
import { ingestBulkResult } from "../../app/lib/sync/ingest.server.ts";
import { logger } from "../../app/logger.server.ts";
import { deliveries, installShop, query } from "../support/db.ts";
import { drainJobs } from "../support/jobs.ts";
import { restCustomer, restOrder } from "../support/payloads.ts";
import { sendWebhook } from "../support/webhooks.ts";
import { useWebhookApp } from "../support/webhook-app.ts";

const SHOP = "new-enum-values.myshopify.com";
const app = useWebhookApp();
let shopId: number;

beforeAll(async () => {
  shopId = await installShop(SHOP);
});
afterEach(() => {
  vi.restoreAllMocks();
});

const at = (minute: number) => new Date(Date.UTC(2026, 10, 20, 10, minute)).toISOString();
const send = async (topic: string, payload: unknown) => {
  expect(await sendWebhook(app.url, { topic, shop: SHOP, payload })).toBe(200);
  await drainJobs();
};

/** The "unknown enum value" lines the real logger was asked to write (it still writes them). */
function unknownValuesLogged(warn: { mock: { calls: unknown[][] } }) {
  return warn.mock.calls
    .filter(([, message]) => String(message).startsWith("a Shopify enum value Recur does not know"))
    .map(([fields]) => fields as { kind: string; value: string })
    .sort((x, y) => x.kind.localeCompare(y.kind));
}

describe("enum values Shopify adds", () => {
  it("webhooks store them as sent, upper case, and log each value once", async () => {
    const warn = vi.spyOn(logger, "warn");
    for (const id of [501, 502, 503]) {
      await send("customers/create", restCustomer(id, at(id - 500), { state: "suspended" }));
    }
    await send(
      "orders/create",
      restOrder(601, at(1), {
        financial_status: "partially_authorized",
        fulfillment_status: "awaiting_pickup",
        cancel_reason: "merchant_request",
      }),
    );
    await send(
      "orders/create",
      restOrder(602, at(1), {
        financial_status: "partially_authorized",
        fulfillment_status: "awaiting_pickup",
        cancel_reason: "merchant_request",
      }),
    );

    expect((await deliveries()).map((d) => [d.topic, d.status, d.last_error])).toEqual([
      ["customers/create", "processed", null],
      ["customers/create", "processed", null],
      ["customers/create", "processed", null],
      ["orders/create", "processed", null],
      ["orders/create", "processed", null],
    ]);
    expect(
      await query(
        "SELECT shopify_id::text AS id, state FROM customers WHERE shop_id = $1 ORDER BY shopify_id",
        [shopId],
      ),
    ).toEqual([
      { id: "501", state: "SUSPENDED" },
      { id: "502", state: "SUSPENDED" },
      { id: "503", state: "SUSPENDED" },
    ]);
    expect(
      await query(
        `SELECT shopify_id::text AS id, financial_status, fulfillment_status, cancel_reason
         FROM orders WHERE shop_id = $1 ORDER BY shopify_id`,
        [shopId],
      ),
    ).toEqual(
      ["601", "602"].map((id) => ({
        id,
        financial_status: "PARTIALLY_AUTHORIZED",
        fulfillment_status: "AWAITING_PICKUP",
        cancel_reason: "MERCHANT_REQUEST",
      })),
    );
    // Once per value per process, however many deliveries carry it.
    expect(unknownValuesLogged(warn)).toEqual([
      { kind: "customer state", value: "SUSPENDED" },
      { kind: "order cancel reason", value: "MERCHANT_REQUEST" },
      { kind: "order financial status", value: "PARTIALLY_AUTHORIZED" },
      { kind: "order fulfillment status", value: "AWAITING_PICKUP" },
    ]);
  });

  it("bulk lines store them as sent and are not rejected for them", async () => {
    const warn = vi.spyOn(logger, "warn");
    const line = {
      id: "gid://shopify/Customer/701",
      defaultEmailAddress: { emailAddress: "new@example.com" },
      firstName: "Ada",
      lastName: "Lovelace",
      defaultPhoneNumber: null,
      state: "ARCHIVED",
      tags: [],
      verifiedEmail: true,
      numberOfOrders: "0",
      amountSpent: { amount: "0.0", currencyCode: "EUR" },
      createdAt: at(0),
      updatedAt: at(1),
    };
    const client = await pool.connect();
    try {
      const counts = await ingestBulkResult(
        client,
        new Blob([`${JSON.stringify(line)}\n`]).stream(),
        { shopId, entity: "customers", snapshotAt: at(0) },
      );
      expect(counts).toMatchObject({ written: 1, rejected: 0 });
    } finally {
      client.release();
    }
    expect(
      await query("SELECT state FROM customers WHERE shop_id = $1 AND shopify_id = 701", [shopId]),
    ).toEqual([{ state: "ARCHIVED" }]);
    expect(unknownValuesLogged(warn)).toEqual([{ kind: "customer state", value: "ARCHIVED" }]);
  });
});
