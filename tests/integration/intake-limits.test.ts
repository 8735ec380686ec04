/**
 * The webhook intake's limits (docs/decisions/033, 034): bodies up to WEBHOOK_MAX_BYTES (10 MiB)
 * are recorded and processed, larger ones are 413 and logged; past its bounds (bodies held,
 * deliveries waiting, the latency budget) the intake answers 503 so that Shopify retries; a database
 * failure fails a batch at once, without retrying its deliveries one by one; the intake's pool and
 * the web pool have statement timeouts.
 */
// First: the limits this file runs with.
import { BUDGET_MS, MAX_PENDING } from "./intake-limits.env.ts";
import { randomUUID } from "node:crypto";
import pg from "pg";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type * as DbModule from "../../app/db.server.ts";
import type * as AdmissionModule from "../../app/lib/webhooks/admission.server.ts";
import type * as IntakeModule from "../../app/lib/webhooks/intake.server.ts";
import { startAppServer, type AppServer } from "../support/app-server.ts";
import { installShop, query } from "../support/db.ts";
import { drainJobs } from "../support/jobs.ts";
import { restOrder } from "../support/payloads.ts";
import { webhookHeaders, type WebhookInput } from "../support/webhooks.ts";

const SHOP = "limits.myshopify.com";
const MiB = 1024 * 1024;

let app: AppServer;
let intake: typeof IntakeModule;
let admission: typeof AdmissionModule;
let db: typeof DbModule;
const logLines: Record<string, unknown>[] = [];

beforeAll(async () => {
  const [webhooks, logging] = await Promise.all([
    import("../../app/routes/webhooks.ts"),
    import("../../app/logger.server.ts"),
  ]);
  intake = await import("../../app/lib/webhooks/intake.server.ts");
  admission = await import("../../app/lib/webhooks/admission.server.ts");
  db = await import("../../app/db.server.ts");
  // The web log's lines, read where pino writes them (its destination stream), not printed.
  const stream = (logging.logger as unknown as Record<symbol, { write(line: string): void }>)[
    pino.symbols.streamSym
  ]!;
  stream.write = (line: string) => {
    logLines.push(JSON.parse(line) as Record<string, unknown>);
  };
  app = await startAppServer({ "/webhooks": webhooks });
  await installShop(SHOP);
});
afterAll(() => app?.close());

async function post(input: WebhookInput) {
  const body = input.body ?? JSON.stringify(input.payload);
  const response = await fetch(`${app.url}/webhooks`, {
    method: "POST",
    headers: webhookHeaders(input, body),
    body,
  });
  return { status: response.status, text: await response.text() };
}

const deliveryRows = (id: string) =>
  query<{ status: string }>("SELECT status::text FROM webhook_deliveries WHERE id = $1", [id]);

/** An order as a wholesale order is sent: many lines, each repeated in its fulfillment. */
function bigOrder(id: number, minBytes: number) {
  const lines = Math.ceil(minBytes / 350);
  const lineItems = Array.from({ length: lines }, (_, i) => ({
    id: id * 100_000 + i,
    quantity: 1 + (i % 5),
    price: "1.00",
  }));
  const order = restOrder(id, "2026-11-20T10:00:00-05:00", {}, lineItems);
  return { ...order, fulfillments: [{ id: id, line_items: order.line_items }] };
}

describe("large bodies", () => {
  it("records a 6 MiB orders/create webhook, and the worker processes it", async () => {
    const payload = bigOrder(61, 6 * MiB);
    const body = JSON.stringify(payload);
    expect(body.length).toBeGreaterThanOrEqual(6 * MiB);
    expect(body.length).toBeLessThan(10 * MiB);
    const webhookId = randomUUID();
    const answer = await post({ topic: "orders/create", shop: SHOP, payload, body, webhookId });
    expect(answer.status).toBe(200);
    expect(await deliveryRows(webhookId)).toEqual([{ status: "received" }]);

    await drainJobs();
    expect(await deliveryRows(webhookId)).toEqual([{ status: "processed" }]);
    const [order] = await query<{ lines: number }>(
      `SELECT count(*)::int AS lines FROM order_line_items l JOIN shops s ON s.id = l.shop_id
       WHERE s.domain = $1 AND l.order_shopify_id = 61`,
      [SHOP],
    );
    expect(order).toEqual({ lines: payload.line_items.length });
  });

  it("answers 413 to an 11 MiB one, records nothing, and logs its size, shop, topic and id", async () => {
    const payload = bigOrder(62, 11 * MiB);
    const body = JSON.stringify(payload);
    expect(body.length).toBeGreaterThan(11 * MiB);
    const webhookId = randomUUID();
    const answer = await post({ topic: "orders/create", shop: SHOP, payload, body, webhookId });
    expect(answer.status).toBe(413);
    expect(await deliveryRows(webhookId)).toEqual([]);
    expect(logLines.find((line) => line.deliveryId === webhookId)).toMatchObject({
      msg: "webhook body over the limit: 413",
      bytes: body.length,
      shop: SHOP,
      topic: "orders/create",
      deliveryId: webhookId,
      limit: 10 * MiB,
    });
  });
});

describe("overload", () => {
  const small = (webhookId: string): WebhookInput => ({
    topic: "orders/updated",
    shop: SHOP,
    payload: restOrder(70, "2026-11-20T10:00:00-05:00"),
    webhookId,
  });

  it("answers 503 at once while the process holds its budget of bodies, and 200 once it does not", async () => {
    // Other bodies in flight, as many bytes as the default budget (256 MiB) allows.
    const release = admission.holdBodyBytes(256 * MiB)!;
    const webhookId = randomUUID();
    const refused = await post(small(webhookId));
    expect(refused).toEqual({ status: 503, text: "The webhook intake is full; retry later" });
    expect(await deliveryRows(webhookId)).toEqual([]);
    release();
    expect((await post(small(webhookId))).status).toBe(200);
    expect(await deliveryRows(webhookId)).toEqual([{ status: "received" }]);
  });

  it("answers 503 past the latency budget while the database is stuck, and records the retry", async () => {
    const blocker = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await blocker.connect();
    const webhookId = randomUUID();
    try {
      await blocker.query("BEGIN; LOCK TABLE webhook_deliveries IN EXCLUSIVE MODE");
      const answer = await post(small(webhookId));
      expect(answer.status).toBe(503);
      expect(answer.text).toContain(`not recorded within ${BUDGET_MS} ms`);
    } finally {
      await blocker.query("ROLLBACK");
      await blocker.end();
    }
    // Shopify's retry, with the same webhook id: recorded once.
    expect((await post(small(webhookId))).status).toBe(200);
    expect(await deliveryRows(webhookId)).toEqual([{ status: "received" }]);
  });

  it("refuses a delivery at once when the deliveries waiting for a statement reach the bound", async () => {
    const blocker = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await blocker.connect();
    const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 5 });
    const delivery = (webhookId: string) => ({
      webhookId,
      eventId: null,
      topic: "orders/updated",
      shopDomain: SHOP,
      apiVersion: "2026-10",
      subscriptionName: null,
      triggeredAt: null,
      body: Buffer.from(JSON.stringify(restOrder(71, "2026-11-20T10:00:00-05:00"))),
      arrivedAt: performance.now(),
    });
    const turn = () => new Promise((resolve) => setImmediate(resolve));
    try {
      await blocker.query("BEGIN; LOCK TABLE webhook_deliveries IN EXCLUSIVE MODE");
      // The statements in flight (each taken by a turn of the event loop), all stuck on the lock.
      const inFlight = [];
      for (let i = 0; i < intake.MAX_IN_FLIGHT; i++) {
        inFlight.push(intake.recordDelivery(pool, delivery(`pending-${i}`), 1));
        await turn();
        await turn();
      }
      // MAX_PENDING wait for a statement; the next one is refused without waiting.
      const waiting = Array.from({ length: MAX_PENDING }, (_, i) =>
        intake.recordDelivery(pool, delivery(`waiting-${i}`), 1),
      );
      const refused = await intake.recordDelivery(pool, delivery("refused"), 1);
      expect(refused).toEqual({
        outcome: "overloaded",
        reason: `${MAX_PENDING} deliveries are already waiting to be recorded`,
      });
      await blocker.query("ROLLBACK");
      const outcomes = await Promise.all([...inFlight, ...waiting]);
      expect(outcomes.map((outcome) => outcome.outcome)).toEqual(
        Array(intake.MAX_IN_FLIGHT + MAX_PENDING).fill("queued"),
      );
      expect(await deliveryRows("refused")).toEqual([]);
    } finally {
      await blocker.end();
      await pool.end();
    }
  });

  it("fails a whole batch at once when the database is gone, without retrying each delivery", async () => {
    // A real pool pointed at a port nothing listens on (the server's own, closed): refused at once.
    const closed = new pg.Pool({ connectionString: "postgres://nobody@127.0.0.1:9/none", max: 5 });
    let statements = 0;
    const counting = {
      query: ((...args: Parameters<pg.Pool["query"]>) => {
        statements++;
        return (closed.query as (...a: unknown[]) => unknown)(...args);
      }) as pg.Pool["query"],
    };
    const delivery = (webhookId: string) => ({
      webhookId,
      eventId: null,
      topic: "orders/updated",
      shopDomain: SHOP,
      apiVersion: "2026-10",
      subscriptionName: null,
      triggeredAt: null,
      body: Buffer.from("{}"),
      arrivedAt: performance.now(),
    });
    try {
      const results = await Promise.allSettled(
        ["gone-1", "gone-2", "gone-3"].map((id) =>
          intake.recordDelivery(counting, delivery(id), 1),
        ),
      );
      expect(results.map((result) => result.status)).toEqual(["rejected", "rejected", "rejected"]);
      expect(statements).toBe(1);
    } finally {
      await closed.end();
    }
  });
});

describe("statement timeouts", () => {
  it("every statement of the web pool and of the intake's own pool has one", async () => {
    const [web] = (await db.pool.query<{ statement_timeout: string }>("SHOW statement_timeout"))
      .rows;
    const [webhooks] = (
      await db.webhookPool.query<{ statement_timeout: string }>("SHOW statement_timeout")
    ).rows;
    expect(web).toEqual({ statement_timeout: "10min" }); // tests' WEB_STATEMENT_TIMEOUT_MS
    expect(webhooks).toEqual({ statement_timeout: "5s" }); // the budget (4.5 s) and 500 ms
    expect(db.webhookPool.options.max).toBe(db.WEBHOOK_POOL_SIZE);
  });

  it("the worker's connections have none (worker.ts lifts it)", async () => {
    const workerPool = new pg.Pool({
      connectionString: process.env.DATABASE_URL,
      statement_timeout: 10_000,
    });
    db.liftStatementTimeout(workerPool);
    try {
      const { rows } = await workerPool.query<{ statement_timeout: string }>(
        "SHOW statement_timeout",
      );
      expect(rows).toEqual([{ statement_timeout: "0" }]);
    } finally {
      await workerPool.end();
    }
  });
});
