/**
 * Batches of deliveries (docs/decisions/081): a delivery's job takes other queued deliveries of its
 * shop and task into its transaction, with their jobs, and writes them set-based. What a batch
 * must keep of one delivery at a time: the outcome of every delivery, an error that is one
 * delivery's alone, and the one-processed-per-event rule.
 */
import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { env } from "../../app/env.server.ts";
import { pool } from "../../app/db.server.ts";
import { enqueueJob } from "../../app/lib/queue/enqueue.server.ts";
import { installShop, query } from "../support/db.ts";
import { drainJobs } from "../support/jobs.ts";
import { restCustomer, restOrder } from "../support/payloads.ts";
import { useWebhookApp } from "../support/webhook-app.ts";
import { sendWebhook, type WebhookInput } from "../support/webhooks.ts";

const app = useWebhookApp();
const at = (minute: number) => new Date(Date.UTC(2026, 10, 20, 10, minute)).toISOString();

async function send(shop: string, input: Omit<WebhookInput, "shop">): Promise<string> {
  const webhookId = input.webhookId ?? randomUUID();
  expect(await sendWebhook(app.url, { shop, webhookId, ...input })).toBe(200);
  return webhookId;
}

function deliveriesOf(shop: string) {
  return query<{
    id: string;
    status: string;
    last_error: string | null;
    attempts: number;
    processed_at: Date | null;
  }>(
    `SELECT id, status::text, last_error, attempts, processed_at FROM webhook_deliveries
     WHERE shop_domain = $1 ORDER BY received_at, id`,
    [shop],
  );
}

/** How many transactions settled these deliveries: each settles at its own now(). */
const transactionsOf = (settled: { processed_at: Date | null }[]) =>
  new Set(settled.map((d) => d.processed_at?.getTime())).size;

const jobsLeft = async () =>
  (await query<{ n: number }>("SELECT count(*)::int AS n FROM graphile_worker.jobs"))[0]!.n;

describe("batches of deliveries", () => {
  const SHOP = "batches.myshopify.com";
  let shopId: number;
  beforeAll(async () => {
    shopId = await installShop(SHOP);
  });

  it("processes a shop's queued deliveries of one task in a few transactions, and completes their jobs", async () => {
    for (let id = 1; id <= 12; id++) {
      await send(SHOP, { topic: "orders/create", payload: restOrder(id, at(id)) });
    }
    await drainJobs({ concurrency: 1 });
    const settled = await deliveriesOf(SHOP);
    expect(settled.map((d) => [d.status, d.attempts])).toEqual(
      Array.from({ length: 12 }, () => ["processed", 1]),
    );
    // Each transaction settles its deliveries at its own now(): one at a time would give 12
    // times; the first job took the other 11 with it.
    expect(transactionsOf(settled)).toBe(1);
    const orders = await query<{ n: number }>(
      "SELECT count(*)::int AS n FROM orders WHERE shop_id = $1",
      [shopId],
    );
    expect(orders[0]!.n).toBe(12);
    expect(await jobsLeft()).toBe(0);
  });

  it("applies several versions of one record in the order they arrived, as one at a time would", async () => {
    const first = await send(SHOP, {
      topic: "customers/update",
      payload: restCustomer(501, at(1), { first_name: "first" }),
    });
    const newest = await send(SHOP, {
      topic: "customers/update",
      payload: restCustomer(501, at(3), { first_name: "newest" }),
    });
    const late = await send(SHOP, {
      topic: "customers/update",
      payload: restCustomer(501, at(2), { first_name: "late" }),
    });
    await drainJobs({ concurrency: 1 });
    const byId = new Map((await deliveriesOf(SHOP)).map((d) => [d.id, d]));
    // One transaction, in three rounds (one upsert cannot write a row twice).
    expect(transactionsOf([first, newest, late].map((id) => byId.get(id)!))).toBe(1);
    expect(byId.get(first)?.status).toBe("processed");
    expect(byId.get(newest)?.status).toBe("processed");
    expect(byId.get(late)).toMatchObject({
      status: "skipped",
      last_error: expect.stringMatching(/older/i),
    });
    const [customer] = await query<{ first_name: string }>(
      "SELECT first_name FROM customers WHERE shop_id = $1 AND shopify_id = 501",
      [shopId],
    );
    expect(customer?.first_name).toBe("newest");
  });
});

describe("a batch that fails", () => {
  const SHOP = "batch-failure.myshopify.com";
  let shopId: number;
  beforeAll(async () => {
    shopId = await installShop(SHOP);
  });

  it("leaves its error to the one delivery that fails: the others are processed, it ends a dead letter after its own attempts", async () => {
    // A real failure for one order of this shop: the database refuses its row.
    await query(`CREATE FUNCTION batch_test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.shop_id = ${shopId} AND NEW.shopify_id = 666 THEN
          RAISE EXCEPTION 'simulated failure: order 666 cannot be written';
        END IF;
        RETURN NEW;
      END $$`);
    await query(`CREATE TRIGGER batch_test_refuse BEFORE INSERT OR UPDATE ON orders
      FOR EACH ROW EXECUTE FUNCTION batch_test_refuse()`);
    try {
      const ids = [661, 662, 663, 666, 664, 665];
      for (const id of ids) {
        await send(SHOP, { topic: "orders/create", payload: restOrder(id, at(1)) });
      }
      await drainJobs({ concurrency: 1 });
      await enqueueJob(pool, "sweeper", {});
      await drainJobs();
    } finally {
      await query("DROP TRIGGER batch_test_refuse ON orders");
      await query("DROP FUNCTION batch_test_refuse()");
    }
    const settled = await deliveriesOf(SHOP);
    const failed = settled.filter((d) => d.status !== "processed");
    expect(failed).toHaveLength(1);
    // Its attempts are its own job's: a batch it was in and that rolled back counted none.
    expect(failed[0]).toMatchObject({
      status: "dead_letter",
      attempts: env.WEBHOOK_MAX_ATTEMPTS,
      last_error: expect.stringMatching(/order 666 cannot be written/),
    });
    expect(settled.filter((d) => d.status === "processed").map((d) => d.attempts)).toEqual([
      1, 1, 1, 1, 1,
    ]);
    const orders = await query<{ id: string }>(
      "SELECT shopify_id::text AS id FROM orders WHERE shop_id = $1 ORDER BY shopify_id",
      [shopId],
    );
    expect(orders.map((o) => o.id)).toEqual(["661", "662", "663", "664", "665"]);
  });

  it("dead-letters a delivery whose payload does not fit, with its reason, and processes the rest", async () => {
    const fits = [await send(SHOP, { topic: "orders/create", payload: restOrder(702, at(1)) })];
    const unfit = await send(SHOP, {
      topic: "orders/create",
      payload: { ...restOrder(701, at(1)), id: "not an id" },
    });
    fits.push(await send(SHOP, { topic: "orders/create", payload: restOrder(703, at(1)) }));
    await drainJobs({ concurrency: 1 });
    const byId = new Map((await deliveriesOf(SHOP)).map((d) => [d.id, d]));
    expect(byId.get(unfit)).toMatchObject({
      status: "dead_letter",
      attempts: 1,
      last_error: expect.stringMatching(/does not match Shopify's format/),
    });
    expect(fits.map((id) => byId.get(id)?.status)).toEqual(["processed", "processed"]);
    // The first delivery's job took the other two: one transaction for the three.
    expect(transactionsOf([...fits, unfit].map((id) => byId.get(id)!))).toBe(1);
    const written = await query<{ n: number }>(
      "SELECT count(*)::int AS n FROM orders WHERE shop_id = $1 AND shopify_id IN (702, 703)",
      [shopId],
    );
    expect(written[0]!.n).toBe(2);
  });
});

describe("twins of one event in a batch", () => {
  const SHOP = "batch-twins.myshopify.com";
  beforeAll(async () => {
    await installShop(SHOP);
  });

  it("processes one delivery of the event and ignores the other, naming it", async () => {
    const eventId = randomUUID();
    const twins = [
      await send(SHOP, { topic: "orders/create", eventId, payload: restOrder(801, at(1)) }),
      await send(SHOP, { topic: "orders/create", eventId, payload: restOrder(801, at(1)) }),
    ];
    for (let id = 802; id <= 806; id++) {
      await send(SHOP, { topic: "orders/create", payload: restOrder(id, at(1)) });
    }
    await drainJobs({ concurrency: 1 });
    const settled = await deliveriesOf(SHOP);
    const [a, b] = twins.map((id) => settled.find((d) => d.id === id)!);
    const processed = [a, b].filter((d) => d!.status === "processed");
    const ignored = [a, b].filter((d) => d!.status === "ignored");
    expect(processed).toHaveLength(1);
    expect(ignored).toHaveLength(1);
    expect(ignored[0]!.last_error).toBe(
      `Same event as delivery ${processed[0]!.id}, already processed`,
    );
    const others = settled.filter((d) => !twins.includes(d.id));
    expect(others.map((d) => d.status)).toEqual(Array.from({ length: 5 }, () => "processed"));
    // The first twin's job took the five others, and left its twin to its own job.
    expect(processed[0]!.id).toBe(twins[0]);
    expect(transactionsOf([processed[0]!, ...others])).toBe(1);
  });
});
