// The admin's actions with real input: "Sync now" and "Check for missed updates" queue the shop's
// sync jobs; "Retry" brings a real dead letter back and it ends processed; bad input is a 400 that
// changes nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pool } from "../../app/db.server.ts";
import { env } from "../../app/env.server.ts";
import { enqueueJob } from "../../app/lib/queue/enqueue.server.ts";
import { requestSync } from "../../app/lib/sync/request.server.ts";
import * as overview from "../../app/routes/app._index/route.tsx";
import * as delivery from "../../app/routes/app.deliveries.$id.tsx";
import * as deliveries from "../../app/routes/app.deliveries._index.tsx";
import * as webhooks from "../../app/routes/webhooks.ts";
import { startAppServer, type AppServer } from "../support/app-server.ts";
import { query } from "../support/db.ts";
import { drainJobs, jobs } from "../support/jobs.ts";
import { standIn } from "../support/standin.ts";
import { seedInstalledShop, settleSyncs, syncRuns } from "../support/sync.ts";
import { act, adminRequest, callAction, load } from "./admin-helpers.ts";

let app: AppServer;
let shop: { domain: string; shopId: number };

beforeAll(async () => {
  app = await startAppServer({ "/webhooks": webhooks });
  shop = await seedInstalledShop({ shop: "admin-actions", customers: 15, orders: 30 });
});
afterAll(() => app?.close());

type Answer = { ok: boolean; message?: string; error?: string; details?: string[] };

const syncStarts = async () =>
  (await jobs())
    .filter((job) => job.task_identifier === "sync.start")
    .map((job) => job.key)
    .sort();

describe("Sync now", () => {
  it("queues a full sync of customers and orders; the overview then matches the store", async () => {
    const answer = await act<Answer>(overview, shop.domain, "/app", {
      intent: "sync",
      kind: "full",
    });
    expect(answer).toEqual({
      status: 200,
      body: { ok: true, message: "Sync started for customers and orders" },
    });
    expect(await syncStarts()).toEqual([
      `sync-start:${shop.shopId}:customers`,
      `sync-start:${shop.shopId}:orders`,
    ]);
    await settleSyncs();
    // The two runs start concurrently: which one opened first is not the behaviour.
    const runs = (await syncRuns(shop.shopId)).map((run) => [run.entity, run.kind, run.status]);
    expect(runs.sort()).toEqual([
      ["customers", "full", "completed"],
      ["orders", "full", "completed"],
    ]);

    const truth = standIn().groundTruth(shop.domain);
    const { body } = await load<{
      entities: { entity: string; inRecur: number; lastCompleted: { kind: string } | null }[];
      store: { customers: number; orders: number };
      active: boolean;
      progress: unknown[];
    }>(overview, shop.domain, "/app");
    expect(body.store).toMatchObject({
      customers: truth.customers.length,
      orders: truth.orders.length,
    });
    expect(body.entities.map((e) => [e.entity, e.inRecur, e.lastCompleted?.kind])).toEqual([
      ["customers", truth.customers.length, "full"],
      ["orders", truth.orders.length, "full"],
    ]);
    expect(body.active).toBe(false);
    expect(body.progress).toEqual([]);
  });

  it("says so when an entity is already syncing", async () => {
    await query(
      `INSERT INTO sync_runs (shop_id, kind, entity, status) VALUES ($1, 'full', 'customers', 'running')`,
      [shop.shopId],
    );
    const answer = await act<Answer>(overview, shop.domain, "/app", {
      intent: "sync",
      kind: "incremental",
    });
    expect(answer.body).toEqual({
      ok: true,
      message: "Check for missed updates started for orders; customers are already syncing",
    });
    await query(
      `UPDATE sync_runs SET status = 'canceled', finished_at = now() WHERE shop_id = $1 AND status = 'running'`,
      [shop.shopId],
    );
    await settleSyncs();
  });

  it("refuses bad input with a 400 that names the problem, and queues nothing", async () => {
    const before = await jobs();
    const cases: [Record<string, string>, RegExp][] = [
      [{ intent: "sync", kind: "everything" }, /kind must be full or incremental/],
      [{ kind: "full" }, /intent must be "sync"/],
      [{ intent: "delete", kind: "full" }, /intent must be "sync"/],
      [{}, /intent/],
    ];
    for (const [fields, message] of cases) {
      const answer = await act<Answer>(overview, shop.domain, "/app", fields);
      expect(answer.status, JSON.stringify(fields)).toBe(400);
      expect(answer.body.ok).toBe(false);
      expect(answer.body.error).toMatch(message);
    }
    // A body that is not a form at all.
    const json = await callAction(
      overview,
      await adminRequest(shop.domain, "/app", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ intent: "sync", kind: "full" }),
      }),
    );
    expect(json.status).toBe(400);
    expect(((await json.json()) as Answer).error).toMatch(/form/);
    expect(await jobs()).toEqual(before);
  });
});

describe("Retry", () => {
  let deadLetter: string;
  let customerId: string;

  /** A real dead letter: customers cannot be written, a customer changes, its job uses up its attempts. */
  beforeAll(async () => {
    await requestSync(pool, shop.shopId, "full");
    await settleSyncs();
    await query(`CREATE FUNCTION admin_test_outage() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'simulated outage: customers cannot be written'; END $$`);
    await query(`CREATE TRIGGER admin_test_outage BEFORE INSERT OR UPDATE ON customers
      FOR EACH ROW EXECUTE FUNCTION admin_test_outage()`);
    customerId = standIn().groundTruth(shop.domain).customers[0]!.id;
    standIn().updateCustomer(shop.domain, customerId, { firstName: "Retried" });
    await standIn().waitForDeliveries();
    await drainJobs();
    await enqueueJob(pool, "sweeper", {});
    await drainJobs();
    await query("DROP TRIGGER admin_test_outage ON customers");
    await query("DROP FUNCTION admin_test_outage()");
    const [row] = await query<{ id: string; last_error: string }>(
      `SELECT id, last_error FROM webhook_deliveries
       WHERE shop_domain = $1 AND topic = 'customers/update' AND status = 'dead_letter'`,
      [shop.domain],
    );
    expect(row?.last_error).toMatch(/simulated outage/);
    deadLetter = row!.id;
  });

  it("refuses bad input with a 400 and leaves the dead letter as it is", async () => {
    const cases: { fields: [string, string][]; message: RegExp }[] = [
      { fields: [["intent", "retry"]], message: /Choose at least one delivery/ },
      { fields: [["ids", deadLetter]], message: /intent must be "retry"/ },
      {
        fields: [
          ["intent", "retry"],
          ...Array.from({ length: 251 }, (_, i) => ["ids", `d${i}`] as [string, string]),
        ],
        message: /at most 250/,
      },
      {
        fields: [
          ["intent", "retry"],
          ["ids", ""],
        ],
        message: /empty/,
      },
    ];
    for (const { fields, message } of cases) {
      const answer = await act<Answer>(deliveries, shop.domain, "/app/deliveries", fields);
      expect(answer.status).toBe(400);
      expect(answer.body.error).toMatch(message);
    }
    // The delivery page retries its own delivery only.
    const other = await act<Answer>(
      delivery,
      shop.domain,
      `/app/deliveries/${deadLetter}`,
      [
        ["intent", "retry"],
        ["ids", "another-delivery"],
      ],
      { id: deadLetter },
    );
    expect(other.status).toBe(400);
    const [row] = await query<{ status: string }>(
      "SELECT status::text FROM webhook_deliveries WHERE id = $1",
      [deadLetter],
    );
    expect(row?.status).toBe("dead_letter");
    expect((await jobs()).map((job) => job.key)).not.toContain(`delivery:${deadLetter}`);
  });

  it("re-enqueues the dead letter under its delivery id; after the jobs run it is processed", async () => {
    const answer = await act<Answer>(
      delivery,
      shop.domain,
      `/app/deliveries/${deadLetter}`,
      [
        ["intent", "retry"],
        ["ids", deadLetter],
      ],
      { id: deadLetter },
    );
    expect(answer).toEqual({ status: 200, body: { ok: true, message: "Retrying 1 delivery" } });
    const queued = (await jobs()).filter((job) => job.key === `delivery:${deadLetter}`);
    expect(queued).toEqual([
      expect.objectContaining({
        task_identifier: "customers.upsert",
        attempts: 0,
        max_attempts: env.WEBHOOK_MAX_ATTEMPTS,
      }),
    ]);
    const [waiting] = await query<{ status: string }>(
      "SELECT status::text FROM webhook_deliveries WHERE id = $1",
      [deadLetter],
    );
    expect(waiting?.status).toBe("received");

    await drainJobs();
    const [settled] = await query<{ status: string; last_error: string | null }>(
      "SELECT status::text, last_error FROM webhook_deliveries WHERE id = $1",
      [deadLetter],
    );
    expect(settled).toEqual({ status: "processed", last_error: null });
    const [row] = await query<{ first_name: string }>(
      "SELECT first_name FROM customers WHERE shop_id = $1 AND shopify_id = $2",
      [shop.shopId, customerId],
    );
    expect(row?.first_name).toBe("Retried");
    const { body } = await load<{ queue: { deadLetters: number } }>(overview, shop.domain, "/app");
    expect(body.queue.deadLetters).toBe(0);
  });

  it("answers 409 for a delivery of this shop that is not a dead letter", async () => {
    const answer = await act<Answer>(deliveries, shop.domain, "/app/deliveries", [
      ["intent", "retry"],
      ["ids", deadLetter],
    ]);
    expect(answer.status).toBe(409);
    expect(answer.body.error).toBe("Nothing was retried: no selected delivery is a dead letter");
    expect((await jobs()).map((job) => job.key)).not.toContain(`delivery:${deadLetter}`);
  });
});
