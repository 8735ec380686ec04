// The admin's loaders against real rows: keyset pages in every sort (NULLs, ties, both ways), search,
// 400 for a bad query string, live sync progress against the store's counts, what the overview
// flags for the merchant, sync history's repairs, a customer's orders and the privacy export.
import { Session } from "@shopify/shopify-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pool } from "../../app/db.server.ts";
import { requestSync } from "../../app/lib/sync/request.server.ts";
import * as overview from "../../app/routes/app._index/route.tsx";
import * as customer from "../../app/routes/app.customers.$id.tsx";
import * as customers from "../../app/routes/app.customers._index.tsx";
import * as deliveries from "../../app/routes/app.deliveries._index.tsx";
import * as orders from "../../app/routes/app.orders._index.tsx";
import * as privacyExport from "../../app/routes/app.privacy.$id.export.ts";
import * as progressRoute from "../../app/routes/app.sync-progress.ts";
import * as syncRun from "../../app/routes/app.syncs.$id.tsx";
import * as syncs from "../../app/routes/app.syncs._index.tsx";
import * as webhooks from "../../app/routes/webhooks.ts";
import { sessionStorage } from "../../app/shopify.server.ts";
import { startAppServer, type AppServer } from "../support/app-server.ts";
import { query } from "../support/db.ts";
import { drainJobs } from "../support/jobs.ts";
import { standIn } from "../support/standin.ts";
import { seedInstalledShop, settleSyncs } from "../support/sync.ts";
import { adminRequest, callLoader, load, type PageBody } from "./admin-helpers.ts";

let app: AppServer;
beforeAll(async () => {
  app = await startAppServer({ "/webhooks": webhooks });
});
afterAll(() => app?.close());

interface CustomerRow {
  id: string;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  amountSpent: string | null;
  createdAt: string | null;
  updatedAt: string;
}

describe("customer list pages", () => {
  let shop: { domain: string; shopId: number };
  /** The live rows, as the test wrote them. */
  const live: {
    id: bigint;
    updated: number;
    created: number | null;
    last: string | null;
    amount: number | null;
  }[] = [];

  beforeAll(async () => {
    shop = await seedInstalledShop({ shop: "keyset", customers: 0, orders: 0 });
    const base = Date.UTC(2026, 0, 1);
    for (let i = 1; i <= 130; i++) {
      const row = {
        id: 5_000_000_000n + BigInt((i * 7919) % 1000),
        updated: base + (i % 40) * 60_000, // ties: three or four rows share a time
        created: i % 11 === 0 ? null : base - i * 3_600_000,
        last: i % 9 === 0 ? null : `L${String(i % 25).padStart(3, "0")}`, // ties
        amount: i % 7 === 0 ? null : (i % 13) * 10.5,
      };
      live.push(row);
      await query(
        `INSERT INTO customers (shop_id, shopify_id, first_name, last_name, email, amount_spent,
           currency_code, shopify_created_at, shopify_updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, 'EUR', $7, $8)`,
        [
          shop.shopId,
          row.id,
          `First${i}`,
          row.last,
          `person${i}@example.com`,
          row.amount,
          row.created === null ? null : new Date(row.created),
          new Date(row.updated),
        ],
      );
    }
    // Rows the lists must leave out: a tombstone and a placeholder without a profile.
    await query(
      `INSERT INTO customers (shop_id, shopify_id, first_name, shopify_updated_at, deleted_at)
       VALUES ($1, 6000000001, 'Deleted', now(), now()), ($1, 6000000002, 'Placeholder', NULL, NULL)`,
      [shop.shopId],
    );
  });

  type Key = "updated" | "created" | "last" | "amount";
  /** The order the list promises: by the value (NULLs last in both directions), then by id. */
  function expected(key: Key, direction: "asc" | "desc"): string[] {
    const sign = direction === "asc" ? 1 : -1;
    return [...live]
      .sort((x, y) => {
        const a = x[key];
        const b = y[key];
        if (a === null && b !== null) return 1;
        if (b === null && a !== null) return -1;
        if (a !== null && b !== null && a !== b) return (a < b ? -1 : 1) * sign;
        return (x.id < y.id ? -1 : 1) * sign;
      })
      .map((row) => String(row.id));
  }

  async function walk(sort: string, direction: string) {
    const pages: string[][] = [];
    let cursors: { previous: string | null; next: string | null } = { previous: null, next: null };
    let path = `/app/customers?sort=${sort}&direction=${direction}`;
    for (;;) {
      const { status, body } = await load<PageBody<CustomerRow>>(customers, shop.domain, path);
      expect(status).toBe(200);
      pages.push(body.page.rows.map((row) => row.id));
      cursors = body.page;
      if (!body.page.next) break;
      path = `/app/customers?sort=${sort}&direction=${direction}&after=${body.page.next}`;
    }
    // And back again from the last page.
    const back: string[][] = [pages[pages.length - 1]!];
    while (cursors.previous) {
      const { body } = await load<PageBody<CustomerRow>>(
        customers,
        shop.domain,
        `/app/customers?sort=${sort}&direction=${direction}&before=${cursors.previous}`,
      );
      back.unshift(body.page.rows.map((row) => row.id));
      cursors = body.page;
    }
    return { pages, back };
  }

  const sorts: [string, Key][] = [
    ["updated", "updated"],
    ["created", "created"],
    ["last_name", "last"],
    ["amount_spent", "amount"],
  ];
  for (const [sort, key] of sorts) {
    for (const direction of ["asc", "desc"] as const) {
      it(`pages through every live customer by ${sort} ${direction}, forwards and back`, async () => {
        const { pages, back } = await walk(sort, direction);
        expect(pages.map((page) => page.length)).toEqual([50, 50, 30]);
        expect(pages.flat()).toEqual(expected(key, direction));
        expect(back).toEqual(pages);
      });
    }
  }

  it("searches by name or email, one word or several, and takes wildcards literally", async () => {
    const ids = async (q: string) =>
      (
        await load<PageBody<CustomerRow> & { tooShort: boolean }>(
          customers,
          shop.domain,
          `/app/customers?q=${encodeURIComponent(q)}`,
        )
      ).body;
    expect((await ids("person17@")).page.rows.map((row) => row.firstName)).toEqual(["First17"]);
    // Two words: both must match (first name, last name or email).
    const both = (await ids("first12 L012")).page.rows.map((row) => row.firstName);
    expect(both).toEqual(["First12"]);
    const firstOnes = Array.from({ length: 130 }, (_, i) => `First${i + 1}`).filter((name) =>
      name.startsWith("First1"),
    );
    expect((await ids("FIRST1")).page.rows.length).toBe(firstOnes.length);
    // LIKE's wildcards are literal characters in a search.
    expect((await ids("___")).page.rows).toEqual([]);
    // A search of short words only is not run, and the page says so.
    const short = await ids("ab");
    expect(short.tooShort).toBe(true);
    expect(short.page.rows.length).toBe(50);
  });

  it("answers a bad query string with a 400 saying what is wrong", async () => {
    const cases: [string, RegExp][] = [
      [
        "/app/customers?sort=bogus",
        /sort must be one of updated, created, last_name, amount_spent/,
      ],
      ["/app/customers?direction=sideways", /direction must be asc or desc/],
      ["/app/customers?after=not-a-cursor", /cursor is not valid/],
      [`/app/customers?q=${"x".repeat(201)}`, /at most 200 characters/],
    ];
    for (const [path, message] of cases) {
      const response = await callLoader(customers, await adminRequest(shop.domain, path));
      expect(response.status, path).toBe(400);
      expect(((await response.json()) as { message: string }).message).toMatch(message);
    }
    for (const path of ["/app/deliveries?status=nope", "/app/deliveries?topic=products/update"]) {
      const response = await callLoader(deliveries, await adminRequest(shop.domain, path));
      expect(response.status, path).toBe(400);
    }
  });
});

describe("a synced shop", () => {
  let shop: { domain: string; shopId: number };

  beforeAll(async () => {
    shop = await seedInstalledShop({ shop: "pages", customers: 40, orders: 60, seed: 5 });
  });

  it("shows a running sync's progress against Shopify's counts, live, until it ends", async () => {
    standIn().setBulkMode("manual", shop.domain);
    try {
      await requestSync(pool, shop.shopId, "full");
      await drainJobs({ tasks: ["sync.start"] });
      const operations = () => standIn().bulkOperations(shop.domain);
      const running = operations();
      expect(running).toHaveLength(2);
      const customersRun = running.find((op) => op.query.includes("customers"))!;
      const ordersRun = running.find((op) => !op.query.includes("customers"))!;
      await standIn().advanceBulkOperation(shop.domain, customersRun.id, 10);
      await standIn().advanceBulkOperation(shop.domain, ordersRun.id, 45);
      // The stand-in writes in small batches: ask it how far each run got.
      const exported = (id: string) =>
        Number(operations().find((op) => op.id === id)!.rootObjectCount);
      const customersExported = exported(customersRun.id);
      const ordersExported = exported(ordersRun.id);
      expect(customersExported).toBeGreaterThanOrEqual(10);
      expect(customersExported).toBeLessThan(40);
      expect(ordersExported).toBeGreaterThan(0);
      expect(ordersExported).toBeLessThan(45); // The other lines are line items.

      const { body } = await load<{
        active: boolean;
        progress: {
          entity: string;
          phase: string;
          exported: number;
          expected: number;
          percent: number;
        }[];
      }>(progressRoute, shop.domain, "/app/sync-progress");
      expect(body.active).toBe(true);
      expect(body.progress).toEqual([
        expect.objectContaining({
          entity: "customers",
          phase: "exporting",
          exported: customersExported,
          expected: 40,
          percent: Math.round((customersExported / 40) * 100),
        }),
        expect.objectContaining({
          entity: "orders",
          phase: "exporting",
          exported: ordersExported,
          expected: 60,
          percent: Math.round((ordersExported / 60) * 100),
        }),
      ]);
      const page = await load<{ progress: unknown[]; active: boolean }>(
        overview,
        shop.domain,
        "/app",
      );
      expect(page.body.progress).toEqual(body.progress);

      for (const op of running) await standIn().finishBulkOperation(shop.domain, op.id);
    } finally {
      standIn().setBulkMode("auto", shop.domain);
    }
    await settleSyncs();
    const after = await load<{ active: boolean; progress: unknown[] }>(
      progressRoute,
      shop.domain,
      "/app/sync-progress",
    );
    expect(after.body).toMatchObject({ active: false, progress: [] });
  });

  it("flags a failed run, dead letters and a missing read_all_orders scope", async () => {
    type Flags = {
      entities: { entity: string; lastFinished: { status: string; errorMessage: string } | null }[];
      queue: { deadLetters: number };
      canReadAllOrders: boolean;
    };
    const clean = (await load<Flags>(overview, shop.domain, "/app")).body;
    expect(clean.entities.map((e) => e.lastFinished?.status)).toEqual(["completed", "completed"]);
    expect(clean.queue.deadLetters).toBe(0);
    expect(clean.canReadAllOrders).toBe(true);

    await query(
      `INSERT INTO sync_runs (shop_id, kind, entity, status, error_code, error_message, finished_at)
       VALUES ($1, 'incremental', 'orders', 'failed', 'ACCESS_DENIED', 'Shopify refused the export', now())`,
      [shop.shopId],
    );
    await query(
      `INSERT INTO webhook_deliveries (id, topic, shop_domain, api_version, payload, status)
       VALUES ('pages-dead', 'orders/updated', $1, '2026-10', '{}', 'dead_letter')`,
      [shop.domain],
    );
    const session = await sessionStorage.loadSession(`offline_${shop.domain}`);
    await sessionStorage.storeSession(
      new Session({ ...session!.toObject(), scope: "read_customers,read_orders" }),
    );
    const flagged = (await load<Flags>(overview, shop.domain, "/app")).body;
    expect(flagged.entities.find((e) => e.entity === "orders")?.lastFinished).toMatchObject({
      status: "failed",
      errorMessage: "Shopify refused the export",
    });
    expect(flagged.queue.deadLetters).toBe(1);
    expect(flagged.canReadAllOrders).toBe(false);
  });

  it("lists runs with their repairs; a run's page shows it in full", async () => {
    await query(
      `INSERT INTO sync_runs (shop_id, kind, entity, status, rows_written, rows_skipped, finished_at)
       VALUES ($1, 'incremental', 'customers', 'completed', 3, 7, now())`,
      [shop.shopId],
    );
    const { body } = await load<
      PageBody<{ id: number; kind: string; rowsWritten: number; rowsRepaired: number | null }>
    >(syncs, shop.domain, "/app/syncs");
    const [newest, ...older] = body.page.rows;
    expect(newest).toMatchObject({ kind: "incremental", rowsWritten: 3, rowsRepaired: 3 });
    expect(older.filter((run) => run.kind === "full").map((run) => run.rowsRepaired)).toEqual([
      null,
      null,
    ]);
    const detail = await load<{ run: { id: number; searchQuery: string | null } }>(
      syncRun,
      shop.domain,
      `/app/syncs/${newest!.id}`,
      { id: String(newest!.id) },
    );
    expect(detail.body.run.id).toBe(newest!.id);
    const missing = await callLoader(syncRun, await adminRequest(shop.domain, "/app/syncs/abc"), {
      id: "abc",
    });
    expect(missing.status).toBe(404);
  });

  it("shows a customer with exactly their orders, and finds orders by number, email and name", async () => {
    const truth = standIn().groundTruth(shop.domain);
    const buyer = truth.customers.find(
      (c) => truth.orders.filter((o) => o.customerId === c.id).length >= 2,
    )!;
    const theirs = truth.orders.filter((o) => o.customerId === buyer.id).map((o) => o.id);
    const { status, body } = await load<{
      customer: { id: string };
      orders: PageBody<{ id: string }>["page"];
    }>(customer, shop.domain, `/app/customers/${buyer.id}`, { id: buyer.id });
    expect(status).toBe(200);
    expect(body.orders.rows.map((row) => row.id).sort()).toEqual([...theirs].sort());

    const search = async (q: string) =>
      (
        await load<PageBody<{ id: string }>>(
          orders,
          shop.domain,
          `/app/orders?q=${encodeURIComponent(q)}`,
        )
      ).body.page.rows.map((row) => row.id);
    const order = truth.orders.find((o) => o.customerId === buyer.id)!;
    expect(await search(order.name)).toEqual([order.id]);
    expect(await search(order.email!)).toEqual(
      expect.arrayContaining(truth.orders.filter((o) => o.email === order.email).map((o) => o.id)),
    );
    const byName = await search(`${buyer.firstName} ${buyer.lastName}`);
    expect(byName).toEqual(expect.arrayContaining(theirs));
  });

  it("downloads a data request's export as a JSON attachment", async () => {
    const truth = standIn().groundTruth(shop.domain);
    const target = truth.customers[1]!;
    standIn().sendCustomersDataRequest(shop.domain, { customerId: target.id });
    await standIn().waitForDeliveries();
    await drainJobs();
    const [request] = await query<{ id: number; shopify_request_id: string }>(
      "SELECT id, shopify_request_id::text FROM data_requests WHERE shop_id = $1",
      [shop.shopId],
    );
    const response = await callLoader(
      privacyExport,
      await adminRequest(shop.domain, `/app/privacy/${request!.id}/export`),
      { id: String(request!.id) },
    );
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Disposition")).toBe(
      `attachment; filename="data-request-${request!.shopify_request_id}.json"`,
    );
    expect(response.headers.get("Content-Type")).toMatch(/^application\/json/);
    const file = (await response.json()) as {
      dataRequest: { id: string; customerId: string };
      export: { customer: { id: string; email: string }; orders: { id: string }[] };
    };
    expect(file.dataRequest).toMatchObject({
      id: request!.shopify_request_id,
      customerId: target.id,
    });
    expect(file.export.customer).toMatchObject({ id: target.id, email: target.email });
    expect(file.export.orders.map((o) => o.id).sort()).toEqual(
      truth.orders
        .filter((o) => o.customerId === target.id)
        .map((o) => o.id)
        .sort(),
    );
  });
});
