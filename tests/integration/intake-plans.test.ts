/**
 * The intake's statements run plans made at most WEBHOOK_PLAN_MAX_AGE_MS ago (docs/decisions/056,
 * 077): a connection of the intake's pool that queued jobs while graphile-worker's jobs table was
 * nearly empty finds job keys through their index once a backlog fills it and its plans are older
 * than that. The plans are read from PostgreSQL itself (auto_explain, nested statements included,
 * sent to the session as notices); the plans' age is given by the test's own clock.
 */
import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import {
  dropStalePlans,
  pool,
  WEBHOOK_PLAN_MAX_AGE_MS,
  webhookPool,
  withStartupSettings,
} from "../../app/db.server.ts";
import { recordMany } from "../../app/lib/webhooks/record.server.ts";
import { restOrder } from "../support/payloads.ts";

const SHOP = "plans.myshopify.com";
const body = Buffer.from(JSON.stringify(restOrder(81, "2026-11-20T10:00:00-05:00")));

const batch = () =>
  Array.from({ length: 2 }, () => ({
    delivery: {
      webhookId: randomUUID(),
      eventId: null,
      topic: "orders/updated",
      shopDomain: SHOP,
      apiVersion: "2026-10",
      subscriptionName: null,
      triggeredAt: null,
      body,
      arrivedAt: performance.now(),
    },
    priority: 1,
  }));

/** The plan PostgreSQL ran for add_jobs's job-key UPDATE in one intake statement on `client`. */
async function jobKeyUpdatePlan(client: pg.ClientBase): Promise<string> {
  const notices: string[] = [];
  const listen = (notice: { message?: string }) => notices.push(notice.message ?? "");
  client.on("notice", listen);
  try {
    await client.query("SET auto_explain.log_min_duration = 0");
    await recordMany(client, batch());
    await client.query("SET auto_explain.log_min_duration = -1");
  } finally {
    client.removeListener("notice", listen);
  }
  const plan = notices.find((text) => /update "graphile_worker"\._private_jobs/i.test(text));
  if (!plan) throw new Error(`no plan of the job-key UPDATE among ${notices.length} notices`);
  return plan;
}

async function explainedSession(client: pg.ClientBase) {
  await client.query("LOAD 'auto_explain'");
  await client.query("SET auto_explain.log_nested_statements = on");
  await client.query("SET auto_explain.log_level = notice");
  await client.query("SET auto_explain.log_min_duration = -1");
}

const other = new pg.Client({ connectionString: process.env.DATABASE_URL });
afterAll(() => other.end());

describe("the intake's plans", () => {
  it("find job keys by their index once a backlog fills the queue and the plans made on an empty one are old", async () => {
    await other.connect();
    const intake = await webhookPool.connect();
    // The test's clock for the intake connection's plans: their age counts from here.
    const start = performance.now();
    dropStalePlans(intake, start);
    const plain = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await plain.connect();
    try {
      await explainedSession(intake);
      await explainedSession(plain);
      // Both connections queue jobs while the queue is nearly empty (more than the five custom
      // plans PostgreSQL makes before it may keep a generic one).
      for (let i = 0; i < 8; i++) {
        await recordMany(intake, batch());
        await recordMany(plain, batch());
      }
      // A backlog: 20,000 jobs waiting, each with its key.
      await other.query(
        `SELECT count(*) FROM graphile_worker.add_jobs((
           SELECT array_agg(ROW('orders.upsert', json_build_object('deliveryId', g::text), NULL, NULL,
                                10::smallint, 'delivery:backlog-' || g, 0, NULL)::graphile_worker.job_spec)
             FROM generate_series(1, 20000) g))`,
      );

      // Plans younger than the bound are kept: until then the intake, too, scans the backlog.
      dropStalePlans(intake, start);
      expect(await jobKeyUpdatePlan(intake)).toMatch(/Seq Scan on _private_jobs/);
      // Once they are older, the connection drops them as it is handed out, and plans anew.
      dropStalePlans(intake, start + WEBHOOK_PLAN_MAX_AGE_MS);
      const planned = await jobKeyUpdatePlan(intake);
      expect(planned).toMatch(/Index Scan using \S+ on _private_jobs/);
      expect(planned).not.toMatch(/Seq Scan on _private_jobs/);
      // Why: a connection left to PostgreSQL's default keeps the plan it made on the empty queue,
      // which reads every job of the backlog on every call.
      expect(await jobKeyUpdatePlan(plain)).toMatch(/Seq Scan on _private_jobs/);
    } finally {
      intake.release();
      await plain.end();
    }
  });

  it("are generic on the intake's connections only, with any options the URL has kept", async () => {
    const setting = async (target: pg.Pool) =>
      (await target.query<{ plan_cache_mode: string }>("SHOW plan_cache_mode")).rows[0];
    expect(await setting(webhookPool)).toEqual({ plan_cache_mode: "force_generic_plan" });
    expect(await setting(pool)).toEqual({ plan_cache_mode: "auto" });

    const url = new URL(process.env.DATABASE_URL!);
    url.searchParams.set("options", "-c lock_timeout=1234");
    const merged = new pg.Pool({
      max: 1,
      ...withStartupSettings(url.href, "-c plan_cache_mode=force_generic_plan"),
    });
    try {
      const { rows } = await merged.query<{ mode: string; lock_timeout: string }>(
        "SELECT current_setting('plan_cache_mode') AS mode, current_setting('lock_timeout') AS lock_timeout",
      );
      expect(rows).toEqual([{ mode: "force_generic_plan", lock_timeout: "1234ms" }]);
    } finally {
      await merged.end();
    }
  });
});
