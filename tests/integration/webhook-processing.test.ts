import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { countAndArrival } from "../support/arbitraries.ts";
import { deliveries, installShop, query } from "../support/db.ts";
import { drainJobs, jobs } from "../support/jobs.ts";
import { purchasingSummary, restCustomer, restOrder, tagsChanged } from "../support/payloads.ts";
import { sendWebhook, type WebhookInput } from "../support/webhooks.ts";
import { enqueueJob } from "../../app/lib/queue/enqueue.server.ts";
import { pool, withTransaction } from "../../app/db.server.ts";
import { upsertOrders } from "../../app/lib/db/guarded-upsert.server.ts";
import { orderPayload } from "../../app/lib/webhooks/payloads.ts";
import { useWebhookApp } from "../support/webhook-app.ts";

const app = useWebhookApp();
let shopId: number;
const SHOP = "processing.myshopify.com";

beforeAll(async () => {
  shopId = await installShop(SHOP);
});

const send = async (input: Omit<WebhookInput, "shop"> & { shop?: string }) => {
  expect(await sendWebhook(app.url, { shop: SHOP, ...input })).toBe(200);
};

const at = (minute: number) => new Date(Date.UTC(2026, 10, 20, 10, minute)).toISOString();

async function customer(id: number) {
  const rows = await query<{
    email: string | null;
    first_name: string | null;
    updated: Date | null;
    deleted: Date | null;
    tags: string[];
  }>(
    `SELECT email, first_name, shopify_updated_at AS updated, deleted_at AS deleted, tags
     FROM customers WHERE shop_id = $1 AND shopify_id = $2`,
    [shopId, id],
  );
  return rows[0];
}

describe("last write wins", () => {
  it("keeps the newest version of a customer whatever order the updates arrive in", async () => {
    await send({
      topic: "customers/create",
      payload: restCustomer(1, at(0), { first_name: "v0" }),
    });
    await send({
      topic: "customers/update",
      payload: restCustomer(1, at(2), { first_name: "v2" }),
    });
    await send({
      topic: "customers/update",
      payload: restCustomer(1, at(1), { first_name: "v1" }),
    });
    await drainJobs();
    expect(await customer(1)).toMatchObject({ first_name: "v2", updated: new Date(at(2)) });
  });

  it("property: N versions of a customer in any arrival order end with the newest stored", async () => {
    let id = 1000;
    await fc.assert(
      fc.asyncProperty(countAndArrival(2, 8), async ([n, order]) => {
        id += 1;
        for (const version of order) {
          await send({
            topic: version === 0 ? "customers/create" : "customers/update",
            payload: restCustomer(id, at(version), { first_name: `v${version}` }),
          });
        }
        await drainJobs();
        expect(await customer(id)).toMatchObject({
          first_name: `v${n - 1}`,
          updated: new Date(at(n - 1)),
        });
      }),
      { numRuns: 15 },
    );
  });

  it("property: N versions of an order in any arrival order end with the newest order and its line items", async () => {
    let id = 5000;
    await fc.assert(
      fc.asyncProperty(countAndArrival(2, 6), async ([n, order]) => {
        id += 1;
        // Version v has v+1 line items with quantity v, so every version is recognisable.
        const version = (v: number) =>
          restOrder(
            id,
            at(v),
            { total_price: `${v}.00` },
            [...Array(v + 1).keys()].map((k) => ({
              id: id * 100 + k,
              quantity: v + 1,
              price: "1.00",
            })),
          );
        for (const v of order)
          await send({
            topic: v === 0 ? "orders/create" : "orders/updated",
            payload: version(v),
          });
        await drainJobs();
        const [stored] = await query<{ total_price: string }>(
          "SELECT total_price::text FROM orders WHERE shop_id = $1 AND shopify_id = $2",
          [shopId, id],
        );
        expect(stored?.total_price).toBe(`${n - 1}.0000`);
        const items = await query<{ quantity: number }>(
          "SELECT quantity FROM order_line_items WHERE shop_id = $1 AND order_shopify_id = $2",
          [shopId, id],
        );
        expect(items).toHaveLength(n);
        expect(new Set(items.map((item) => item.quantity))).toEqual(new Set([n]));
      }),
      { numRuns: 10 },
    );
  });
});

describe("an order's line items", () => {
  it("an update keeps the lines it leaves as they were without rewriting them, changes the changed and removes the missing", async () => {
    const id = 9100;
    const lines = (quantity: number) => [
      { id: 910_001, quantity: 1, price: "19.99" },
      { id: 910_002, quantity, price: "5.00" },
      { id: 910_003, quantity: 1, price: "2.50" },
    ];
    await send({ topic: "orders/create", payload: restOrder(id, at(0), {}, lines(1)) });
    await drainJobs();
    const stored = () =>
      query<{ id: string; quantity: number; version: string }>(
        `SELECT shopify_id::text AS id, quantity, xmin::text AS version FROM order_line_items
         WHERE shop_id = $1 AND order_shopify_id = $2 ORDER BY shopify_id`,
        [shopId, id],
      );
    const before = await stored();
    expect(before.map((line) => [line.id, line.quantity])).toEqual([
      ["910001", 1],
      ["910002", 1],
      ["910003", 1],
    ]);
    // The update changes the second line's quantity and leaves the third out.
    await send({
      topic: "orders/updated",
      payload: restOrder(id, at(1), {}, lines(4).slice(0, 2)),
    });
    await drainJobs();
    const after = await stored();
    expect(after.map((line) => [line.id, line.quantity])).toEqual([
      ["910001", 1],
      ["910002", 4],
    ]);
    // The unchanged line is the row the create wrote (same row version); the changed one is new.
    expect(after[0]!.version).toBe(before[0]!.version);
    expect(after[1]!.version).not.toBe(before[1]!.version);
  });
});

describe("an order's update (docs/decisions/076)", () => {
  it("is heap-only: the guarded upsert's new version writes no index entry", async () => {
    const id = 9200;
    await send({ topic: "orders/create", payload: restOrder(id, at(0)) });
    await drainJobs();
    // A fulfilment: Shopify's updated_at and the fulfilment status change, no indexed column does.
    // The counts are this backend's not yet reported (pg_stat_get_xact_*): they may still hold an
    // earlier transaction's on a pooled connection, and none are reported inside a transaction, so
    // this transaction's own are the difference between a read before the upsert and one after.
    const counts = await withTransaction(pool, async (client) => {
      const read = async () =>
        (
          await client.query<{ updated: number; hot: number }>(
            `SELECT pg_stat_get_xact_tuples_updated('orders'::regclass)::int AS updated,
                    pg_stat_get_xact_tuples_hot_updated('orders'::regclass)::int AS hot`,
          )
        ).rows[0]!;
      const before = await read();
      const { written } = await upsertOrders(client, shopId, [
        orderPayload.parse(restOrder(id, at(1), { fulfillment_status: "fulfilled" })),
      ]);
      expect(written).toEqual([String(id)]);
      const after = await read();
      return { updated: after.updated - before.updated, hot: after.hot - before.hot };
    });
    expect(counts).toEqual({ updated: 1, hot: 1 });
  });
});

describe("the parts of a customer Shopify reports apart (API 2025-01)", () => {
  const tagsOf = async (id: number) =>
    (
      await query<{ tags: string[] }>(
        "SELECT tags FROM customers WHERE shop_id = $1 AND shopify_id = $2",
        [shopId, id],
      )
    )[0]?.tags;

  it("property: tag changes in any arrival order end with the tags the latest changes leave", async () => {
    let id = 9000;
    const change = fc.record({
      tag: fc.constantFrom("vip", "wholesale", "newsletter"),
      present: fc.boolean(),
    });
    // Changes happen a minute apart in the generated order, and arrive in a shuffled one.
    const changesAndArrival = fc.array(change, { minLength: 1, maxLength: 8 }).chain((changes) =>
      fc.tuple(
        fc.constant(changes),
        fc.shuffledSubarray([...changes.keys()], {
          minLength: changes.length,
          maxLength: changes.length,
        }),
      ),
    );
    await fc.assert(
      fc.asyncProperty(changesAndArrival, async ([changes, arrival]) => {
        id += 1;
        const expected = new Map<string, boolean>();
        for (const c of changes) expected.set(c.tag, c.present);
        for (const index of arrival) {
          const c = changes[index]!;
          await send({
            topic: c.present ? "customer.tags_added" : "customer.tags_removed",
            payload: tagsChanged(id, at(index), [c.tag]),
          });
        }
        await drainJobs();
        const want = [...expected]
          .filter(([, present]) => present)
          .map(([tag]) => tag)
          .sort();
        expect(await tagsOf(id)).toEqual(want);
      }),
      { numRuns: 15 },
    );
  });

  it("a bulk-style full list and later changes combine: changes newer than the list win", async () => {
    // The customer's profile, then tags added at minute 1 and removed at minute 3.
    await send({ topic: "customers/create", payload: restCustomer(9500, at(0)) });
    await send({
      topic: "customer.tags_added",
      payload: tagsChanged(9500, at(1), ["vip", "gold"]),
    });
    await send({ topic: "customer.tags_removed", payload: tagsChanged(9500, at(3), ["gold"]) });
    await drainJobs();
    expect(await tagsOf(9500)).toEqual(["vip"]);
  });

  it("stores an order's current total after a refund, next to its unchanged total price", async () => {
    await send({ topic: "orders/create", payload: restOrder(4100, at(0)) });
    await send({
      topic: "orders/updated",
      payload: restOrder(4100, at(5), {
        financial_status: "partially_refunded",
        current_total_price: "10.00",
      }),
    });
    await drainJobs();
    const rows = await query<{ total: string; current: string; status: string }>(
      `SELECT total_price::text AS total, current_total_price::text AS current,
              financial_status AS status
       FROM orders WHERE shop_id = $1 AND shopify_id = 4100`,
      [shopId],
    );
    expect(rows).toEqual([{ total: "25.0000", current: "10.0000", status: "PARTIALLY_REFUNDED" }]);
  });

  it("keeps the newest purchasing summary, and a profile update does not touch it", async () => {
    await send({ topic: "customers/create", payload: restCustomer(9600, at(0)) });
    await send({
      topic: "customers/purchasing_summary",
      payload: purchasingSummary(9600, at(5), 3, "75.00"),
    });
    await send({
      topic: "customers/purchasing_summary",
      payload: purchasingSummary(9600, at(4), 2, "50.00"),
    });
    await drainJobs();
    await send({
      topic: "customers/update",
      payload: restCustomer(9600, at(6), { first_name: "later" }),
    });
    await drainJobs();
    expect(
      await query(
        "SELECT number_of_orders, amount_spent::text, first_name FROM customers WHERE shop_id = $1 AND shopify_id = 9600",
        [shopId],
      ),
    ).toEqual([{ number_of_orders: 3, amount_spent: "75.0000", first_name: "later" }]);
  });
});

describe("deletes", () => {
  it("a delete then a stale update stays deleted", async () => {
    await send({ topic: "customers/create", payload: restCustomer(2, at(0)) });
    await drainJobs();
    await send({
      topic: "customers/delete",
      payload: { id: 2, admin_graphql_api_id: "gid://shopify/Customer/2" },
      triggeredAt: at(5),
    });
    await drainJobs();
    await send({
      topic: "customers/update",
      payload: restCustomer(2, at(3), { first_name: "stale" }),
    });
    await drainJobs();
    // The stale update wrote nothing; the tombstone keeps ids and times, not names (decision 037).
    expect(await customer(2)).toMatchObject({
      deleted: new Date(at(5)),
      first_name: null,
      updated: new Date(at(0)),
    });
  });

  it("a delete and an older update end deleted in whichever order they run", async () => {
    await send({ topic: "customers/update", payload: restCustomer(12, at(3)) });
    await send({ topic: "customers/delete", payload: { id: 12 }, triggeredAt: at(5) });
    await drainJobs();
    expect((await customer(12))?.deleted).toEqual(new Date(at(5)));
  });

  it("a delete that arrives before the create keeps the row out", async () => {
    await send({ topic: "orders/delete", payload: { id: 3 }, triggeredAt: at(5) });
    await send({ topic: "orders/create", payload: restOrder(3, at(1)) });
    await drainJobs();
    const rows = await query(
      "SELECT deleted_at FROM orders WHERE shop_id = $1 AND shopify_id = 3",
      [shopId],
    );
    expect(rows).toEqual([{ deleted_at: new Date(at(5)) }]);
    expect(
      await query("SELECT 1 FROM order_line_items WHERE shop_id = $1 AND order_shopify_id = 3", [
        shopId,
      ]),
    ).toEqual([]);
  });

  it("a delete then a genuinely newer create brings the row back", async () => {
    await send({ topic: "customers/create", payload: restCustomer(4, at(0)) });
    await send({ topic: "customers/delete", payload: { id: 4 }, triggeredAt: at(5) });
    await drainJobs();
    await send({
      topic: "customers/create",
      payload: restCustomer(4, at(9), { first_name: "back" }),
    });
    await drainJobs();
    expect(await customer(4)).toMatchObject({ deleted: null, first_name: "back" });
  });
});

describe("duplicates", () => {
  it("a repeated webhook id and a twin of the same event change nothing twice", async () => {
    const payload = restCustomer(6, at(1));
    await send({ topic: "customers/update", payload, webhookId: "dup-a", eventId: "event-6" });
    await send({ topic: "customers/update", payload, webhookId: "dup-a", eventId: "event-6" });
    await send({ topic: "customers/update", payload, webhookId: "dup-b", eventId: "event-6" });
    await drainJobs();
    const rows = (await deliveries()).filter((d) => d.id.startsWith("dup-"));
    expect(rows).toHaveLength(2);
    // Either twin may run first; exactly one does the work and the other names it.
    const processed = rows.filter((d) => d.status === "processed");
    const ignored = rows.filter((d) => d.status === "ignored");
    expect(processed).toHaveLength(1);
    expect(ignored).toEqual([
      expect.objectContaining({
        last_error: `Same event as delivery ${processed[0]!.id}, already processed`,
      }),
    ]);
    expect(rows.every((d) => d.attempts === 1)).toBe(true);
  });
});

describe("failures", () => {
  it("a payload that fails its schema is a dead letter at once, with the reason, without retries", async () => {
    await send({
      topic: "customers/update",
      payload: { id: "not-a-number", updated_at: "yesterday" },
      webhookId: "schema-bad",
    });
    await drainJobs({ retryFailures: false });
    const row = (await deliveries()).find((d) => d.id === "schema-bad");
    expect(row).toMatchObject({ status: "dead_letter", attempts: 1 });
    expect(row?.last_error).toMatch(
      /^The customers\/update payload does not match Shopify's format: (?=.*updated_at: Invalid ISO datetime)(?=.*id: )/,
    );
    expect((await jobs()).filter((j) => j.key === "delivery:schema-bad")).toEqual([]);
  });

  it("a payload that fails every attempt ends a dead letter through the sweeper, with the last error", async () => {
    // Valid to the schema, but a quantity larger than Postgres' integer column holds: fails every time.
    await send({
      topic: "orders/create",
      payload: restOrder(8, at(1), {}, [{ id: 80, quantity: 3_000_000_000, price: "1.00" }]),
      webhookId: "poison",
    });
    await drainJobs();
    expect((await jobs()).find((j) => j.key === "delivery:poison")).toMatchObject({
      attempts: 10,
      max_attempts: 10,
    });
    expect((await deliveries()).find((d) => d.id === "poison")).toMatchObject({
      status: "processing",
      attempts: 10,
    });

    await enqueueJob(pool, "sweeper", {});
    await drainJobs();
    const row = (await deliveries()).find((d) => d.id === "poison");
    expect(row).toMatchObject({ status: "dead_letter", attempts: 10 });
    expect(row?.last_error).toMatch(/out of range for type integer/);
    expect((await jobs()).filter((j) => j.key === "delivery:poison")).toEqual([]);
  });
});
