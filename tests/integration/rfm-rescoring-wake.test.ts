import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pool } from "../../app/db.server.ts";
import { enqueueJob } from "../../app/lib/queue/enqueue.server.ts";
import * as webhooks from "../../app/routes/webhooks.ts";
import { startWorker, type RunningWorker } from "../../app/worker.server.ts";
import { startAppServer, type AppServer } from "../support/app-server.ts";
import { query } from "../support/db.ts";
import { restOrder } from "../support/payloads.ts";
import { waitFor } from "../support/processes.ts";
import { rfmRows, scoreShopAt, seedRfmShop } from "../support/rfm.ts";
import { sendWebhook } from "../support/webhooks.ts";

let app: AppServer;
beforeAll(async () => {
  app = await startAppServer({ "/webhooks": webhooks });
});
afterAll(() => app.close());

/** Longer than the test may take: a job found only by the worker's poll is not found in time. */
const POLL_INTERVAL_MS = 120_000;

describe("a job due later, in a running worker", () => {
  let worker: RunningWorker | undefined;
  afterAll(() => worker?.stop());

  it("a customer's rescoring runs when it falls due, without waiting for the worker's next poll", async () => {
    const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000);
    // Five customers with one order each, 100 to 20 days ago, scored by a full run.
    const { shopId } = await seedRfmShop(
      [1, 2, 3, 4, 5].map((c) => ({ id: String(c), live: true })),
      [1, 2, 3, 4, 5].map((c) => ({
        customerId: String(c),
        processedAt: daysAgo(120 - 20 * c),
        createdAt: daysAgo(120 - 20 * c),
        cancelledAt: null,
        test: false,
        financialStatus: "PAID",
        currentTotalPrice: `${10 * c}.00`,
        deleted: false,
      })),
    );
    await scoreShopAt(shopId, new Date());
    expect((await rfmRows(shopId)).get("1")?.frequency).toBe(1);

    // The worker looks for jobs when one is queued (LISTEN/NOTIFY) and otherwise every poll. The
    // order's delivery is due at once; the rescoring it queues is due 500 ms later, when no one
    // tells the worker of it.
    worker = await startWorker({ schedule: false, pollInterval: POLL_INTERVAL_MS });
    const [shopRow] = await query<{ domain: string }>("SELECT domain FROM shops WHERE id = $1", [
      shopId,
    ]);
    const at = new Date().toISOString();
    expect(
      await sendWebhook(app.url, {
        shop: shopRow!.domain,
        topic: "orders/create",
        payload: restOrder(900, at, {
          customer: { id: 1, admin_graphql_api_id: "gid://shopify/Customer/1" },
          created_at: at,
          processed_at: at,
          total_price: "100.00",
          current_total_price: "100.00",
        }),
      }),
    ).toBe(200);

    const row = await waitFor(
      "customer 1's rescored row",
      async () => {
        const current = (await rfmRows(shopId)).get("1");
        return current?.frequency === 2 ? current : undefined;
      },
      { timeoutMs: 20_000 },
    );
    expect(row).toMatchObject({ recencyDays: 0, frequency: 2, segment: "CHAMPIONS" });
  });

  it("any job queued with a time to run (here a shop's full scoring) runs when it falls due", async () => {
    const { shopId } = await seedRfmShop([{ id: "1", live: true }], []);
    worker ??= await startWorker({ schedule: false, pollInterval: POLL_INTERVAL_MS });
    const runs = async () =>
      Number(
        (
          await query<{ n: string }>("SELECT count(*) AS n FROM rfm_runs WHERE shop_id = $1", [
            shopId,
          ])
        )[0]!.n,
      );
    expect(await runs()).toBe(0);
    await enqueueJob(pool, "rfm.score-shop", { shopId }, { runAt: new Date(Date.now() + 500) });
    await waitFor(
      "the shop's full scoring",
      async () => ((await runs()) === 1 ? true : undefined),
      {
        timeoutMs: 20_000,
      },
    );
  });
});
