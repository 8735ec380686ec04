// The admin's pages and actions against two installed shops: a session of shop A sees only A's
// rows, gets 404 for B's ids in the URL, and cannot act on B's deliveries.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pool } from "../../app/db.server.ts";
import { requestSync } from "../../app/lib/sync/request.server.ts";
import * as overview from "../../app/routes/app._index/route.tsx";
import * as customer from "../../app/routes/app.customers.$id.tsx";
import * as customers from "../../app/routes/app.customers._index.tsx";
import * as delivery from "../../app/routes/app.deliveries.$id.tsx";
import * as deliveries from "../../app/routes/app.deliveries._index.tsx";
import * as orders from "../../app/routes/app.orders._index.tsx";
import * as privacyExport from "../../app/routes/app.privacy.$id.export.ts";
import * as privacy from "../../app/routes/app.privacy._index.tsx";
import * as syncRun from "../../app/routes/app.syncs.$id.tsx";
import * as syncs from "../../app/routes/app.syncs._index.tsx";
import * as webhooks from "../../app/routes/webhooks.ts";
import { startAppServer, type AppServer } from "../support/app-server.ts";
import { query } from "../support/db.ts";
import { drainJobs, jobs } from "../support/jobs.ts";
import { standIn } from "../support/standin.ts";
import { seedInstalledShop, settleSyncs } from "../support/sync.ts";
import { act, adminRequest, callLoader, load, type PageBody } from "./admin-helpers.ts";

let app: AppServer;
interface Shop {
  domain: string;
  shopId: number;
  customerId: string;
  runId: number;
  deadLetter: string;
  dataRequest: number;
}
let a: Shop;
let b: Shop;

async function prepare(handle: string, seed: number): Promise<Shop> {
  const { domain, shopId } = await seedInstalledShop({
    shop: handle,
    customers: 12,
    orders: 30,
    seed,
  });
  await requestSync(pool, shopId, "full");
  return { domain, shopId, customerId: "", runId: 0, deadLetter: "", dataRequest: 0 };
}

async function finish(shop: Shop): Promise<Shop> {
  const truth = standIn().groundTruth(shop.domain);
  const customerId = truth.customers[0]!.id;
  standIn().sendCustomersDataRequest(shop.domain, { customerId });
  await standIn().waitForDeliveries();
  await drainJobs();
  const [run] = await query<{ id: number }>(
    "SELECT id FROM sync_runs WHERE shop_id = $1 ORDER BY id LIMIT 1",
    [shop.shopId],
  );
  const [request] = await query<{ id: number }>("SELECT id FROM data_requests WHERE shop_id = $1", [
    shop.shopId,
  ]);
  // A dead letter, as the sweeper leaves one: its job used up its attempts.
  const deadLetter = `dead-${shop.domain}`;
  await query(
    `INSERT INTO webhook_deliveries (id, event_id, topic, shop_domain, api_version, triggered_at,
       payload, status, attempts, last_error, processed_at)
     VALUES ($1, $1, 'customers/update', $2, '2026-10', now(), $3, 'dead_letter', 10, 'boom', now())`,
    [deadLetter, shop.domain, JSON.stringify({ id: Number(customerId) })],
  );
  return { ...shop, customerId, runId: run!.id, deadLetter, dataRequest: request!.id };
}

beforeAll(async () => {
  app = await startAppServer({ "/webhooks": webhooks });
  const first = await prepare("isolation-a", 11);
  const second = await prepare("isolation-b", 22);
  await settleSyncs();
  a = await finish(first);
  b = await finish(second);
});
afterAll(() => app?.close());

const sortedIds = (ids: string[]) => [...ids].sort();

describe("a shop's session", () => {
  it("lists only its own customers, orders, runs, deliveries and data requests", async () => {
    for (const shop of [a, b]) {
      const truth = standIn().groundTruth(shop.domain);
      const list = await load<PageBody<{ id: string }>>(customers, shop.domain, "/app/customers");
      expect(list.status).toBe(200);
      expect(sortedIds(list.body.page.rows.map((row) => row.id))).toEqual(
        sortedIds(truth.customers.map((c) => c.id)),
      );
      const orderList = await load<PageBody<{ id: string }>>(orders, shop.domain, "/app/orders");
      expect(sortedIds(orderList.body.page.rows.map((row) => row.id))).toEqual(
        sortedIds(truth.orders.map((o) => o.id)),
      );
      const runs = await load<PageBody<{ id: number }>>(syncs, shop.domain, "/app/syncs");
      const own = await query<{ id: number }>(
        "SELECT id FROM sync_runs WHERE shop_id = $1 ORDER BY id DESC",
        [shop.shopId],
      );
      expect(runs.body.page.rows.map((row) => row.id)).toEqual(own.map((row) => row.id));
      const log = await load<PageBody<{ id: string }>>(deliveries, shop.domain, "/app/deliveries");
      const ownDeliveries = await query<{ id: string }>(
        "SELECT id FROM webhook_deliveries WHERE shop_domain = $1",
        [shop.domain],
      );
      expect(sortedIds(log.body.page.rows.map((row) => row.id))).toEqual(
        sortedIds(ownDeliveries.map((row) => row.id)),
      );
      expect(log.body.page.rows.map((row) => row.id)).toContain(shop.deadLetter);
      const requests = await load<PageBody<{ id: number }>>(privacy, shop.domain, "/app/privacy");
      expect(requests.body.page.rows.map((row) => row.id)).toEqual([shop.dataRequest]);
      const home = await load<{ entities: { entity: string; inRecur: number }[] }>(
        overview,
        shop.domain,
        "/app",
      );
      expect(home.body.entities.map((e) => [e.entity, e.inRecur])).toEqual([
        ["customers", truth.customers.length],
        ["orders", truth.orders.length],
      ]);
    }
  });

  it("gets 404 for another shop's ids in the URL, and the page for its own", async () => {
    const pages = [
      {
        module: customer,
        path: (s: Shop) => `/app/customers/${s.customerId}`,
        id: (s: Shop) => s.customerId,
      },
      {
        module: syncRun,
        path: (s: Shop) => `/app/syncs/${s.runId}`,
        id: (s: Shop) => String(s.runId),
      },
      {
        module: delivery,
        path: (s: Shop) => `/app/deliveries/${s.deadLetter}`,
        id: (s: Shop) => s.deadLetter,
      },
      {
        module: privacyExport,
        path: (s: Shop) => `/app/privacy/${s.dataRequest}/export`,
        id: (s: Shop) => String(s.dataRequest),
      },
    ];
    for (const page of pages) {
      const own = await callLoader(page.module, await adminRequest(a.domain, page.path(a)), {
        id: page.id(a),
      });
      expect(own.status, page.path(a)).toBe(200);
      await own.arrayBuffer();
      const foreign = await callLoader(page.module, await adminRequest(a.domain, page.path(b)), {
        id: page.id(b),
      });
      expect(foreign.status, page.path(b)).toBe(404);
      expect(((await foreign.json()) as { message: string }).message).toMatch(/This store has no/);
    }
  });

  it("cannot retry another shop's dead letter: nothing changes, and the answer says so", async () => {
    const refused = await act<{ ok: boolean; error: string; details: string[] }>(
      deliveries,
      a.domain,
      "/app/deliveries",
      [
        ["intent", "retry"],
        ["ids", b.deadLetter],
      ],
    );
    expect(refused.status).toBe(404);
    expect(refused.body.ok).toBe(false);
    expect(refused.body.error).toMatch(/Nothing was retried/);
    expect(refused.body.details.join()).toContain(b.deadLetter);
    // The detail page's action, with B's id in the URL, refuses the same way.
    const fromDetail = await act<{ ok: boolean }>(
      delivery,
      a.domain,
      `/app/deliveries/${b.deadLetter}`,
      [
        ["intent", "retry"],
        ["ids", b.deadLetter],
      ],
      { id: b.deadLetter },
    );
    expect(fromDetail.status).toBe(404);

    // A's own dead letter and B's together: A's is retried, B's is left alone and named.
    const mixed = await act<{ ok: boolean; message: string; details: string[] }>(
      deliveries,
      a.domain,
      "/app/deliveries",
      [
        ["intent", "retry"],
        ["ids", a.deadLetter],
        ["ids", b.deadLetter],
      ],
    );
    expect(mixed.status).toBe(200);
    expect(mixed.body).toMatchObject({ ok: true, message: "Retrying 1 delivery" });
    expect(mixed.body.details.join()).toContain(b.deadLetter);

    const statuses = await query<{ id: string; status: string }>(
      "SELECT id, status::text FROM webhook_deliveries WHERE id = ANY($1) ORDER BY id",
      [[a.deadLetter, b.deadLetter]],
    );
    expect(Object.fromEntries(statuses.map((row) => [row.id, row.status]))).toEqual({
      [a.deadLetter]: "received",
      [b.deadLetter]: "dead_letter",
    });
    const keys = (await jobs()).map((job) => job.key);
    expect(keys).toContain(`delivery:${a.deadLetter}`);
    expect(keys).not.toContain(`delivery:${b.deadLetter}`);
    await drainJobs();
  });

  it("queues a sync of its own shop only", async () => {
    const response = await act<{ ok: boolean }>(overview, a.domain, "/app", {
      intent: "sync",
      kind: "incremental",
    });
    expect(response.status).toBe(200);
    const keys = (await jobs())
      .map((job) => job.key)
      .filter((key) => key?.startsWith("sync-start"));
    expect(keys.sort()).toEqual([
      `sync-start:${a.shopId}:customers`,
      `sync-start:${a.shopId}:orders`,
    ]);
    await settleSyncs();
  });
});
