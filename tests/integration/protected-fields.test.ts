/**
 * Absent is not null. Shopify leaves protected customer data (email, first and last name, phone,
 * addresses) out of webhook payloads for apps not approved for those fields: a field a newer
 * version does not carry keeps what Recur holds; one it carries as null is cleared.
 */
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { installShop, query } from "../support/db.ts";
import { drainJobs } from "../support/jobs.ts";
import { restCustomer, restOrder } from "../support/payloads.ts";
import { sendWebhook } from "../support/webhooks.ts";
import { useWebhookApp } from "../support/webhook-app.ts";

const app = useWebhookApp();
let shopId: number;
const SHOP = "protected-fields.myshopify.com";

beforeAll(async () => {
  shopId = await installShop(SHOP);
});

const send = async (topic: string, payload: unknown) => {
  expect(await sendWebhook(app.url, { topic, shop: SHOP, payload })).toBe(200);
};
const at = (minute: number) => new Date(Date.UTC(2026, 10, 20, 10, minute)).toISOString();
const without = (payload: Record<string, unknown>, keys: string[]) =>
  Object.fromEntries(Object.entries(payload).filter(([key]) => !keys.includes(key)));

/** The customer fields of a REST payload and the columns that hold them. */
const CUSTOMER_FIELDS = {
  email: "email",
  first_name: "first_name",
  last_name: "last_name",
  phone: "phone",
  state: "state",
  verified_email: "verified_email",
  created_at: "shopify_created_at",
} as const;
type CustomerField = keyof typeof CUSTOMER_FIELDS;
const PROTECTED: CustomerField[] = ["email", "first_name", "last_name", "phone"];

async function storedCustomer(id: number) {
  const rows = await query(
    `SELECT email, first_name, last_name, phone, state, verified_email, shopify_created_at,
       shopify_updated_at
     FROM customers WHERE shop_id = $1 AND shopify_id = $2`,
    [shopId, id],
  );
  return rows[0]!;
}

describe("customers: absent keeps, null clears", () => {
  let id = 100;

  it("property: a newer version without any subset of its fields changes none of them and writes the rest", async () => {
    const fields = Object.keys(CUSTOMER_FIELDS) as CustomerField[];
    await fc.assert(
      fc.asyncProperty(fc.subarray(fields), fc.subarray(PROTECTED), async (absent, cleared) => {
        id += 1;
        await send(
          "customers/create",
          restCustomer(id, at(0), {
            first_name: "Grace",
            last_name: "Hopper",
            phone: "+15550100",
            state: "enabled",
          }),
        );
        await drainJobs();
        const before = await storedCustomer(id);

        // The newer version: every field it sends has a new value (null for the cleared ones).
        const newer = restCustomer(id, at(1), {
          email: `new${id}@example.com`,
          first_name: "Ada",
          last_name: "Lovelace",
          phone: "+15550199",
          state: "disabled",
          verified_email: false,
          created_at: "2023-06-01T00:00:00+00:00",
          ...Object.fromEntries(cleared.map((field) => [field, null])),
        });
        await send("customers/update", without(newer, absent));
        await drainJobs();
        const after = await storedCustomer(id);

        expect(after.shopify_updated_at).toEqual(new Date(at(1)));
        for (const field of fields) {
          const column = CUSTOMER_FIELDS[field];
          if (absent.includes(field)) {
            expect(after[column], `${field} was absent`).toEqual(before[column]);
          } else if (cleared.includes(field)) {
            expect(after[column], `${field} was null`).toBeNull();
          } else {
            expect(after[column], `${field} was sent`).not.toEqual(before[column]);
          }
        }
      }),
      { numRuns: 30 },
    );
  });

  it("an app without protected customer data: updates without email, names and phone keep them", async () => {
    id += 1;
    await send(
      "customers/create",
      restCustomer(id, at(0), { first_name: "Grace", last_name: "Hopper", phone: "+15550100" }),
    );
    // Processed first: the update is newer, so a create processed after it would be skipped.
    await drainJobs();
    await send(
      "customers/update",
      without(restCustomer(id, at(1), { state: "disabled" }), PROTECTED),
    );
    await drainJobs();
    expect(await storedCustomer(id)).toMatchObject({
      email: `customer${id}@example.com`,
      first_name: "Grace",
      last_name: "Hopper",
      phone: "+15550100",
      state: "DISABLED",
      shopify_updated_at: new Date(at(1)),
    });
  });

  it("a customer first seen without protected fields is stored without them", async () => {
    id += 1;
    await send("customers/create", without(restCustomer(id, at(0)), PROTECTED));
    await drainJobs();
    expect(await storedCustomer(id)).toMatchObject({
      email: null,
      first_name: null,
      last_name: null,
      phone: null,
      state: "ENABLED",
    });
  });
});

describe("orders: absent keeps, null clears", () => {
  const ORDER_FIELDS = {
    email: "email",
    customer: "customer_shopify_id",
    financial_status: "financial_status",
    fulfillment_status: "fulfillment_status",
    tags: "tags",
    total_price: "total_price",
  } as const;
  type OrderField = keyof typeof ORDER_FIELDS;
  let id = 5000;

  async function storedOrder(orderId: number) {
    const rows = await query(
      `SELECT email, customer_shopify_id::text, financial_status, fulfillment_status, tags,
         total_price::text, shopify_updated_at
       FROM orders WHERE shop_id = $1 AND shopify_id = $2`,
      [shopId, orderId],
    );
    return rows[0]!;
  }

  it("property: a newer version without any subset of its fields changes none of them", async () => {
    const fields = Object.keys(ORDER_FIELDS) as OrderField[];
    await fc.assert(
      fc.asyncProperty(fc.subarray(fields), async (absent) => {
        id += 1;
        await send(
          "orders/create",
          restOrder(id, at(0), {
            email: "first@example.com",
            fulfillment_status: "partial",
            tags: "vip",
          }),
        );
        await drainJobs();
        const before = await storedOrder(id);
        const newer = restOrder(id, at(1), {
          email: "second@example.com",
          customer: { id: 8, admin_graphql_api_id: "gid://shopify/Customer/8" },
          financial_status: "refunded",
          fulfillment_status: "fulfilled",
          tags: "wholesale",
          total_price: "30.00",
        });
        await send("orders/updated", without(newer, absent));
        await drainJobs();
        const after = await storedOrder(id);
        expect(after.shopify_updated_at).toEqual(new Date(at(1)));
        for (const field of fields) {
          const column = ORDER_FIELDS[field];
          if (absent.includes(field)) expect(after[column], field).toEqual(before[column]);
          else expect(after[column], field).not.toEqual(before[column]);
        }
      }),
      { numRuns: 20 },
    );
  });

  it("an explicit null email clears it", async () => {
    id += 1;
    await send("orders/create", restOrder(id, at(0)));
    await drainJobs();
    await send("orders/updated", restOrder(id, at(1), { email: null }));
    await drainJobs();
    expect(await storedOrder(id)).toMatchObject({ email: null });
  });
});
