import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import * as webhooks from "../../app/routes/webhooks.ts";
import { startAppServer, type AppServer } from "../support/app-server.ts";
import { deliveries, query } from "../support/db.ts";
import { jobs } from "../support/jobs.ts";
import { hmacOf, webhookHeaders, type WebhookInput } from "../support/webhooks.ts";

let app: AppServer;
beforeAll(async () => {
  app = await startAppServer({ "/webhooks": webhooks });
});
afterAll(() => app.close());

const SHOP = "intake.myshopify.com";
const customer = {
  id: 1001,
  admin_graphql_api_id: "gid://shopify/Customer/1001",
  email: "ada@example.com",
  updated_at: "2026-11-20T10:00:00-05:00",
};

function post(
  input: WebhookInput,
  init: { headers?: Record<string, string | null>; method?: string } = {},
) {
  const body = input.body ?? JSON.stringify(input.payload);
  const headers = { ...webhookHeaders(input, body), ...init.headers };
  for (const [name, value] of Object.entries(headers)) if (value === null) delete headers[name];
  return fetch(`${app.url}/webhooks`, {
    method: init.method ?? "POST",
    headers: headers as Record<string, string>,
    body: init.method === "GET" ? undefined : body,
  });
}

const REFUSED_SHOP = "refused.myshopify.com";

/** Nothing of the refused shop was recorded, and no job was queued since `jobsBefore`. */
async function expectNothingRecorded(jobsBefore: number) {
  expect(
    await query("SELECT id FROM webhook_deliveries WHERE shop_domain = $1", [REFUSED_SHOP]),
  ).toEqual([]);
  expect(await jobs()).toHaveLength(jobsBefore);
}

describe("POST /webhooks", () => {
  it("records a verified delivery and queues its job under the delivery's id, then answers 200", async () => {
    const response = await post({
      topic: "customers/update",
      shop: SHOP,
      payload: customer,
      webhookId: "wh-1",
    });
    expect(response.status).toBe(200);
    expect(await deliveries()).toMatchObject([
      { id: "wh-1", topic: "customers/update", status: "received" },
    ]);
    expect(await jobs()).toMatchObject([
      { task_identifier: "customers.upsert", key: "delivery:wh-1", attempts: 0 },
    ]);
  });

  it("records a repeat of a webhook id once, and queues one job", async () => {
    const input = { topic: "customers/update", shop: SHOP, payload: customer, webhookId: "wh-2" };
    expect((await post(input)).status).toBe(200);
    expect((await post(input)).status).toBe(200);
    expect((await deliveries()).filter((d) => d.id === "wh-2")).toHaveLength(1);
    expect((await jobs()).filter((j) => j.key === "delivery:wh-2")).toHaveLength(1);
  });

  it("records a topic Recur does not handle as ignored, with the reason, and queues nothing", async () => {
    const response = await post({
      topic: "products/update",
      shop: SHOP,
      payload: { id: 1 },
      webhookId: "wh-3",
    });
    expect(response.status).toBe(200);
    expect((await deliveries()).find((d) => d.id === "wh-3")).toMatchObject({
      status: "ignored",
      last_error: "Recur does not handle the topic products/update",
    });
    expect((await jobs()).filter((j) => j.key === "delivery:wh-3")).toEqual([]);
  });

  it("gives each of many deliveries arriving at once its own outcome (they are written in batches)", async () => {
    const shop = "burst.myshopify.com";
    const update = (n: number) => ({
      topic: "customers/update",
      shop,
      payload: { ...customer, id: 5000 + n },
      webhookId: `burst-${n}`,
    });
    const sends = [
      ...Array.from({ length: 40 }, (_, n) => update(n)),
      // Shopify's retry of one delivery, arriving with it.
      ...Array.from({ length: 4 }, () => update(7)),
      { topic: "products/update", shop, payload: { id: 1 }, webhookId: "burst-ignored" },
      // A payload jsonb cannot hold spoils the batch it is in; each delivery still gets its own.
      {
        topic: "customers/update",
        shop,
        payload: null,
        body: '{"id": 5999, "note": "\\u0000"}',
        webhookId: "burst-unstorable",
      },
    ];
    const statuses = await Promise.all(sends.map((input) => post(input).then((r) => r.status)));
    expect(statuses.every((status) => status === 200)).toBe(true);

    const recorded = await query<{ id: string; status: string }>(
      "SELECT id, status::text FROM webhook_deliveries WHERE shop_domain = $1 ORDER BY id",
      [shop],
    );
    expect(recorded).toHaveLength(42);
    expect(recorded.filter((d) => d.status === "received")).toHaveLength(40);
    expect(recorded.find((d) => d.id === "burst-ignored")?.status).toBe("ignored");
    expect(recorded.find((d) => d.id === "burst-unstorable")?.status).toBe("dead_letter");
    const queued = (await jobs()).filter((job) => job.key?.startsWith("delivery:burst-"));
    expect(queued.map((job) => job.key).sort()).toEqual(
      Array.from({ length: 40 }, (_, n) => `delivery:burst-${n}`).sort(),
    );
    expect(new Set(queued.map((job) => job.task_identifier))).toEqual(
      new Set(["customers.upsert"]),
    );
  });

  it("stores each delivery of a batch with its own body, numbers and text exact", async () => {
    const shop = "bodies.myshopify.com";
    // Raw bodies as Shopify writes them: ids past 2^53, escaped slashes, non-ASCII text, and
    // bodies of different lengths, so that a body stored under another delivery's id shows.
    const bodyOf = (n: number) =>
      `{"id":${820982911946154508n + BigInt(n)},"admin_graphql_api_id":"gid:\\/\\/shopify\\/Customer\\/${n}",` +
      `"note":"Zoë – ${"ü".repeat(n)}","updated_at":"2026-11-20T10:00:00-05:00"}`;
    const sends = Array.from({ length: 30 }, (_, n) => ({
      topic: "customers/update",
      shop,
      payload: null,
      body: bodyOf(n),
      webhookId: `body-${n}`,
    }));
    const statuses = await Promise.all(sends.map((input) => post(input).then((r) => r.status)));
    expect(statuses.every((status) => status === 200)).toBe(true);

    const stored = await query<{ id: string; same: boolean; id_text: string }>(
      `SELECT d.id, d.payload = s.body::jsonb AS same, d.payload->>'id' AS id_text
         FROM webhook_deliveries d
         JOIN unnest($1::text[], $2::text[]) AS s(id, body) USING (id)
        ORDER BY d.id`,
      [sends.map((s) => s.webhookId), sends.map((s) => s.body)],
    );
    expect(stored).toHaveLength(30);
    expect(stored.filter((row) => !row.same)).toEqual([]);
    expect(stored.find((row) => row.id === "body-29")?.id_text).toBe("820982911946154537");
  });
});

describe("POST /webhooks refusals", () => {
  const input = { topic: "customers/update", shop: REFUSED_SHOP, payload: customer };
  let jobsBefore = 0;
  beforeEach(async () => {
    jobsBefore = (await jobs()).length;
  });

  it("answers 401 to a bad HMAC and records nothing", async () => {
    const forged = hmacOf(JSON.stringify(customer), "another-secret");
    const response = await post(input, { headers: { "X-Shopify-Hmac-Sha256": forged } });
    expect(response.status).toBe(401);
    await expectNothingRecorded(jobsBefore);
  });

  it.each([
    "X-Shopify-Topic",
    "X-Shopify-Shop-Domain",
    "X-Shopify-API-Version",
    "X-Shopify-Webhook-Id",
  ])("answers 400 when %s is missing, and records nothing", async (header) => {
    const response = await post(input, { headers: { [header]: null } });
    expect(response.status).toBe(400);
    await expectNothingRecorded(jobsBefore);
  });

  it("answers 405 to anything but POST", async () => {
    expect((await post(input, { method: "GET" })).status).toBe(405);
    expect((await post(input, { method: "PUT" })).status).toBe(405);
    await expectNothingRecorded(jobsBefore);
  });

  it("answers 413 to a body over 10 MiB, signed or not, and records nothing", async () => {
    const big = JSON.stringify({ ...customer, note: "x".repeat(10 * 1024 * 1024) });
    expect((await post({ ...input, body: big })).status).toBe(413);
    await expectNothingRecorded(jobsBefore);
  });

  it("answers 400 to a correctly signed body that is not JSON, and records nothing", async () => {
    expect((await post({ ...input, body: "id=1&email=ada" })).status).toBe(400);
    await expectNothingRecorded(jobsBefore);
  });
});
