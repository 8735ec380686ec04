/**
 * The demo's shop, as `npm run demo` seeds it (scripts/lib/demo-shop.ts): after its full sync and
 * scoring every RFM segment has customers and every customer_rfm row is the rule set applied to the
 * stored orders (the TypeScript reference of the RFM tests); then its living store's changes
 * (new orders, customer edits, fulfilments, refunds, cancellations, deletions) reach Recur as
 * signed webhooks through the real intake, and Recur ends equal to the store.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pool } from "../../app/db.server.ts";
import { requestSync } from "../../app/lib/sync/request.server.ts";
import * as webhooks from "../../app/routes/webhooks.ts";
import { DEMO_SHOP, demoHistoryEnd } from "../../scripts/lib/demo-shop.ts";
import type { LiveChangeKind } from "../shopify-standin/index.ts";
import { startAppServer, type AppServer } from "../support/app-server.ts";
import { query } from "../support/db.ts";
import { compareWithGroundTruth } from "../support/ground-truth.ts";
import { drainJobs } from "../support/jobs.ts";
import { entries, referenceOfLastRun, rfmRows } from "../support/rfm.ts";
import { standIn } from "../support/standin.ts";
import { seedInstalledShop, settleSyncs } from "../support/sync.ts";

/** The eleven groups of Shopify's CustomerRfmGroup, which rule set v1 uses. */
const SEGMENTS = [
  "ACTIVE",
  "ALMOST_LOST",
  "AT_RISK",
  "CHAMPIONS",
  "DORMANT",
  "LOYAL",
  "NEEDS_ATTENTION",
  "NEW",
  "PREVIOUSLY_LOYAL",
  "PROMISING",
  "PROSPECTS",
];

let app: AppServer;
let shop: { domain: string; shopId: number };

beforeAll(async () => {
  app = await startAppServer({ "/webhooks": webhooks });
  shop = await seedInstalledShop({
    shop: DEMO_SHOP.handle,
    customers: DEMO_SHOP.customers,
    orders: DEMO_SHOP.orders,
    history: DEMO_SHOP.history,
    endsAt: demoHistoryEnd(),
  });
  await requestSync(pool, shop.shopId, "full");
  await settleSyncs();
  await drainJobs();
}, 180_000);
afterAll(() => app.close());

describe("the demo shop", () => {
  it("has orders up to today: the last 30 days are not empty", async () => {
    const [row] = await query<{ days: number }>(
      `SELECT count(DISTINCT shopify_created_at::date)::int AS days FROM orders
       WHERE shop_id = $1 AND shopify_created_at >= now() - interval '30 days'`,
      [shop.shopId],
    );
    // About 6,000 orders over three years, more of them lately: most of the last 30 days have one.
    expect(row!.days).toBeGreaterThan(15);
  });

  it("after its full sync and scoring, has customers in all eleven segments, each row the rule set's", async () => {
    const counts = await query<{ segment: string; customers: number }>(
      `SELECT segment, count(*)::int AS customers FROM customer_rfm WHERE shop_id = $1
       GROUP BY segment ORDER BY segment`,
      [shop.shopId],
    );
    expect(counts.map((c) => c.segment)).toEqual(SEGMENTS);
    for (const c of counts) expect(c.customers, c.segment).toBeGreaterThan(0);
    expect(entries(await rfmRows(shop.shopId))).toEqual(
      entries(await referenceOfLastRun(shop.shopId)),
    );
    // The history asked for: a long tail of one-time buyers, a few very frequent customers,
    // partial refunds and cancellations among the stored orders.
    const [mix] = await query<{
      once: number;
      frequent: number;
      scored: number;
      refunded: number;
      cancelled: number;
    }>(
      `SELECT count(*) FILTER (WHERE frequency = 1)::int AS once,
              count(*) FILTER (WHERE frequency >= 12)::int AS frequent,
              count(*) FILTER (WHERE frequency IS NOT NULL)::int AS scored,
              (SELECT count(*)::int FROM orders WHERE shop_id = $1
                 AND current_total_price < total_price AND cancelled_at IS NULL) AS refunded,
              (SELECT count(*)::int FROM orders WHERE shop_id = $1
                 AND cancelled_at IS NOT NULL) AS cancelled
       FROM customer_rfm WHERE shop_id = $1`,
      [shop.shopId],
    );
    expect(mix!.once / mix!.scored).toBeGreaterThan(0.4);
    expect(mix!.frequent).toBeGreaterThan(0);
    expect(mix!.refunded).toBeGreaterThan(0);
    expect(mix!.cancelled).toBeGreaterThan(0);
  });

  it("is alive: its stream of changes reaches Recur as webhooks, and Recur ends equal to the store", async () => {
    const kinds: LiveChangeKind[] = [
      "order_created",
      "customer_created",
      "customer_edited",
      "order_fulfilled",
      "order_refunded",
      "order_cancelled",
      "order_deleted",
    ];
    const sentBefore = standIn().deliveries({ shop: shop.domain }).length;
    // Every kind equally often, fast: the demo's stream, compressed. The test awaits the stream's
    // end and then the deliveries; nothing here waits for time to pass.
    const stream = standIn().startLiveStream(shop.domain, {
      intervalMs: 5,
      limit: 42,
      weights: Object.fromEntries(kinds.map((kind) => [kind, 1])),
    });
    const changes = await stream.done;
    expect(new Set(changes.map((c) => c.kind))).toEqual(new Set(kinds));
    await standIn().waitForDeliveries();
    await drainJobs();

    const sent = standIn()
      .deliveries({ shop: shop.domain })
      .slice(sentBefore)
      .filter((d) => d.topic !== "bulk_operations/finish");
    expect(new Set(sent.map((d) => d.topic))).toEqual(
      new Set([
        "orders/create",
        "orders/updated",
        "orders/delete",
        "customers/create",
        "customers/update",
        "customers/purchasing_summary",
        ...sent.map((d) => d.topic).filter((t) => t.startsWith("customer.tags_")),
      ]),
    );
    // Every delivery the stream caused was accepted (HMAC verified) and settled by Recur.
    const rows = await query<{ id: string; status: string }>(
      "SELECT id::text, status::text FROM webhook_deliveries WHERE shop_domain = $1",
      [shop.domain],
    );
    const status = new Map(rows.map((r) => [r.id, r.status]));
    for (const delivery of sent) {
      expect(delivery.status, delivery.topic).toBe("delivered");
      expect(["processed", "ignored"], delivery.topic).toContain(status.get(delivery.webhookId));
    }
    const comparison = await compareWithGroundTruth(
      pool,
      shop.domain,
      standIn().groundTruth(shop.domain),
    );
    expect(comparison.differences).toEqual([]);

    // A refund lowered the order's current total in Recur, below its total price.
    const deleted = new Set(changes.filter((c) => c.kind === "order_deleted").map((c) => c.id));
    const refunded = changes.find((c) => c.kind === "order_refunded" && !deleted.has(c.id))!;
    const [order] = await query<{ lower: boolean }>(
      `SELECT current_total_price < total_price AS lower FROM orders
       WHERE shop_id = $1 AND shopify_id = $2`,
      [shop.shopId, refunded.id],
    );
    expect(order).toEqual({ lower: true });
  });
});
