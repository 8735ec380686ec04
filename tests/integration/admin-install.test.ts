// The first open of the admin after an install: Remix runs the layout's and the overview's loaders
// at once, each authenticates the same id_token, and shopify-app-remix runs afterAuth (which
// records the install) in one of them without making the other wait. The other loader then holds a
// valid session for a shop Recur has not recorded yet. That state is set up here directly: the
// session stored as the token exchange stores it, no afterAuth.
import { Session } from "@shopify/shopify-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as overview from "../../app/routes/app._index/route.tsx";
import * as webhooks from "../../app/routes/webhooks.ts";
import { sessionStorage } from "../../app/shopify.server.ts";
import { startAppServer, type AppServer } from "../support/app-server.ts";
import { query } from "../support/db.ts";
import { jobs } from "../support/jobs.ts";
import { standIn } from "../support/standin.ts";
import { load } from "./admin-helpers.ts";

let app: AppServer;
beforeAll(async () => {
  app = await startAppServer({ "/webhooks": webhooks });
});
afterAll(() => app?.close());

describe("a page loaded while afterAuth has not recorded the install yet", () => {
  it("records the install itself, shows the page, and asks for the first sync once", async () => {
    const seeded = await standIn().seedShop({ shop: "first-open", customers: 3, orders: 3 });
    await sessionStorage.storeSession(
      new Session({
        id: `offline_${seeded.shop}`,
        shop: seeded.shop,
        state: "",
        isOnline: false,
        scope: "read_customers,read_orders,read_all_orders",
        accessToken: seeded.accessToken!,
      }),
    );
    expect(await query("SELECT id FROM shops")).toEqual([]);

    const first = await load<{ shop: string }>(overview, seeded.shop, "/app");
    expect(first.status).toBe(200);
    expect(first.body.shop).toBe(seeded.shop);
    expect(await query("SELECT domain, state::text FROM shops")).toEqual([
      { domain: seeded.shop, state: "installed" },
    ]);
    // The next load finds the shop: still one sync asked for.
    expect((await load(overview, seeded.shop, "/app")).status).toBe(200);
    const starts = (await jobs()).filter((job) => job.task_identifier === "sync.start");
    expect(starts.map((job) => job.key).sort()).toEqual([
      expect.stringMatching(/^sync-start:\d+:customers$/),
      expect.stringMatching(/^sync-start:\d+:orders$/),
    ]);
  });
});
