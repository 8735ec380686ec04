/**
 * When a customer's rescoring is queued (docs/decisions/058) and how rescorings lock (059): only
 * for changes RFM reads, a little ahead so that a burst is one job, and side by side for different
 * customers of one shop while a full run still excludes them all.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pool, withTransaction } from "../../app/db.server.ts";
import { enqueueShopScoring, RESCORE_DELAY_MS } from "../../app/lib/rfm/jobs.server.ts";
import { customerRfmLockStatement } from "../../app/lib/rfm/lock.server.ts";
import { rescoreCustomer } from "../../app/lib/rfm/rescore-customer.server.ts";
import * as webhooks from "../../app/routes/webhooks.ts";
import { startAppServer, type AppServer } from "../support/app-server.ts";
import { installShop, query, unsettledDeliveries } from "../support/db.ts";
import { drainJobs } from "../support/jobs.ts";
import { restCustomer, restOrder } from "../support/payloads.ts";
import { rfmRows } from "../support/rfm.ts";
import { sendWebhook, type WebhookInput } from "../support/webhooks.ts";
import { DELIVERY_TASKS } from "../../app/lib/webhooks/topics.ts";

let app: AppServer;
beforeAll(async () => {
  app = await startAppServer({ "/webhooks": webhooks });
});
afterAll(() => app.close());

/** Every webhook task; the rescorings they queue wait for the next drainJobs() of every task. */
const WEBHOOK_TASKS: string[] = DELIVERY_TASKS;
const TEN_DAYS_AGO = new Date(Date.now() - 10 * 86_400_000).toISOString();

function order(id: number, customer: number, updatedAt: string, fields = {}) {
  return restOrder(id, updatedAt, {
    customer: { id: customer, admin_graphql_api_id: `gid://shopify/Customer/${customer}` },
    created_at: TEN_DAYS_AGO,
    processed_at: TEN_DAYS_AGO,
    total_price: "40.00",
    current_total_price: "40.00",
    ...fields,
  });
}

async function send(shop: string, input: Omit<WebhookInput, "shop">) {
  expect(await sendWebhook(app.url, { shop, ...input })).toBe(200);
}

/** The keys of the pending rescorings. */
async function pendingRescorings() {
  return query<{ key: string }>(
    `SELECT key FROM graphile_worker.jobs WHERE task_identifier = 'rfm.rescore-customer'
     ORDER BY key`,
  );
}

/** Runs the webhook jobs only, then reports (and clears) the rescorings they queued. */
async function rescoringsQueuedBy(shop: string, inputs: Omit<WebhookInput, "shop">[]) {
  for (const input of inputs) await send(shop, input);
  await drainJobs({ tasks: WEBHOOK_TASKS });
  expect(await unsettledDeliveries()).toEqual([]);
  const pending = await pendingRescorings();
  await drainJobs();
  return pending.map((job) => job.key);
}

describe("rescorings are queued for what RFM reads", () => {
  it("an order change RFM does not read queues nothing; one it reads queues its customer", async () => {
    const shop = "rfm-queue-orders.myshopify.com";
    const shopId = await installShop(shop);
    const key = (customer: number) => `rfm-rescore:${shopId}:${customer}`;

    // A new order: its customer.
    expect(
      await rescoringsQueuedBy(shop, [
        { topic: "customers/create", payload: restCustomer(1, "2026-11-20T10:00:00+00:00") },
        { topic: "customers/create", payload: restCustomer(2, "2026-11-20T10:00:00+00:00") },
        { topic: "orders/create", payload: order(10, 1, "2026-11-20T10:00:00+00:00") },
      ]),
    ).toEqual([key(1), key(2)]);

    // Fulfilled, tagged, a line item changed: written, but nothing RFM reads.
    expect(
      await rescoringsQueuedBy(shop, [
        {
          topic: "orders/updated",
          payload: {
            ...order(10, 1, "2026-11-20T11:00:00+00:00", {
              fulfillment_status: "fulfilled",
              tags: "gift",
            }),
            line_items: [],
          },
        },
      ]),
    ).toEqual([]);
    expect((await query("SELECT tags FROM orders WHERE shop_id = $1", [shopId]))[0]!.tags).toEqual([
      "gift",
    ]);

    // A refund lowers the current total: the customer is rescored.
    expect(
      await rescoringsQueuedBy(shop, [
        {
          topic: "orders/updated",
          payload: order(10, 1, "2026-11-20T12:00:00+00:00", { current_total_price: "15.00" }),
        },
      ]),
    ).toEqual([key(1)]);

    // Cancelled: rescored.
    expect(
      await rescoringsQueuedBy(shop, [
        {
          topic: "orders/updated",
          payload: order(10, 1, "2026-11-20T13:00:00+00:00", {
            current_total_price: "15.00",
            cancelled_at: "2026-11-20T13:00:00+00:00",
            cancel_reason: "customer",
          }),
        },
      ]),
    ).toEqual([key(1)]);

    // Moved to another customer: both are rescored.
    expect(
      await rescoringsQueuedBy(shop, [
        {
          topic: "orders/updated",
          payload: order(10, 2, "2026-11-20T14:00:00+00:00", {
            current_total_price: "15.00",
            cancelled_at: "2026-11-20T13:00:00+00:00",
            cancel_reason: "customer",
          }),
        },
      ]),
    ).toEqual([key(1), key(2)]);
  });

  it("a profile change of a live customer queues nothing; a new or undeleted customer is rescored", async () => {
    const shop = "rfm-queue-customers.myshopify.com";
    const shopId = await installShop(shop);
    const key = `rfm-rescore:${shopId}:5`;
    expect(
      await rescoringsQueuedBy(shop, [
        { topic: "customers/create", payload: restCustomer(5, "2026-11-20T10:00:00+00:00") },
      ]),
    ).toEqual([key]);
    expect(
      await rescoringsQueuedBy(shop, [
        {
          topic: "customers/update",
          payload: restCustomer(5, "2026-11-20T11:00:00+00:00", { first_name: "Grace" }),
        },
      ]),
    ).toEqual([]);
    expect(
      (await query("SELECT first_name FROM customers WHERE shop_id = $1", [shopId]))[0]!.first_name,
    ).toBe("Grace");

    // Deleted, then a newer profile brings the customer back: rescored both times.
    expect(
      await rescoringsQueuedBy(shop, [
        {
          topic: "customers/delete",
          payload: { id: 5 },
          triggeredAt: "2026-11-20T12:00:00.000Z",
        },
      ]),
    ).toEqual([key]);
    expect(
      await rescoringsQueuedBy(shop, [
        { topic: "customers/update", payload: restCustomer(5, "2026-11-20T13:00:00+00:00") },
      ]),
    ).toEqual([key]);
  });

  it("a rescoring is due a little ahead, and a burst keeps the first change's time", async () => {
    const shop = "rfm-queue-debounce.myshopify.com";
    const shopId = await installShop(shop);
    const rescoring = () =>
      query<{ key: string; delay_ms: number; run_at: Date; updated_at: Date }>(
        `SELECT key, extract(epoch FROM run_at - created_at) * 1000 AS delay_ms, run_at, updated_at
         FROM graphile_worker.jobs WHERE task_identifier = 'rfm.rescore-customer'`,
      );
    await send(shop, {
      topic: "customers/create",
      payload: restCustomer(3, "2026-11-20T10:00:00+00:00"),
    });
    await drainJobs({ tasks: WEBHOOK_TASKS });
    const [first, ...others] = await rescoring();
    expect(others).toEqual([]);
    expect(first!.key).toBe(`rfm-rescore:${shopId}:3`);
    // Queued at the transaction's start (created_at), due RESCORE_DELAY_MS after the enqueue.
    expect(Number(first!.delay_ms)).toBeGreaterThanOrEqual(RESCORE_DELAY_MS - 1);
    expect(Number(first!.delay_ms)).toBeLessThan(RESCORE_DELAY_MS + 60_000);

    // Two orders of the customer while it waits: still one job, due when it was, its row not
    // even updated.
    for (const id of [30, 31]) {
      await send(shop, {
        topic: "orders/create",
        payload: order(id, 3, "2026-11-20T10:00:00+00:00"),
      });
    }
    await drainJobs({ tasks: WEBHOOK_TASKS });
    expect((await rescoring()).map((job) => [job.key, job.run_at, job.updated_at])).toEqual([
      [first!.key, first!.run_at, first!.updated_at],
    ]);
    await drainJobs();
    expect((await rfmRows(shopId)).size).toBe(0);
    expect(await rescoring()).toEqual([]);
  });
});

describe("rescorings lock per customer", () => {
  it("rescorings of different customers run side by side; a full run waits for them", async () => {
    const shop = "rfm-queue-locks.myshopify.com";
    const shopId = await installShop(shop);
    for (let c = 1; c <= 2; c++) {
      await send(shop, {
        topic: "customers/create",
        payload: restCustomer(c, "2026-11-20T10:00:00+00:00"),
      });
      await send(shop, {
        topic: "orders/create",
        payload: order(100 + c, c, "2026-11-20T10:00:00+00:00"),
      });
    }
    await drainJobs();
    await enqueueShopScoring(pool, shopId);
    await drainJobs();
    expect([...(await rfmRows(shopId)).keys()].sort()).toEqual(["1", "2"]);

    await withTransaction(pool, async (client) => {
      // Customer 1's rescoring is in progress here.
      await client.query(customerRfmLockStatement(shopId, "1"));
      // Customer 2's completes meanwhile (it would hang here if rescorings excluded each other).
      const result = await rescoreCustomer(pool, shopId, "2");
      expect(result.scoredBefore).toBe(true);
      // A full run's exclusive lock, and customer 1's own, are not to be had until this ends.
      const [probe] = await query<{ shop_exclusive: boolean; shop_shared: boolean; same: boolean }>(
        `SELECT pg_try_advisory_xact_lock(${0x52464d}, $1) AS shop_exclusive,
                pg_try_advisory_xact_lock_shared(${0x52464d}, $1) AS shop_shared,
                pg_try_advisory_xact_lock(hashtextextended('rfm-customer:' || $1 || ':1', 0)) AS same`,
        [shopId],
      );
      expect(probe).toEqual({ shop_exclusive: false, shop_shared: true, same: false });
    });
  });
});
