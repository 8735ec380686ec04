/**
 * Hostile input at the webhook intake: each gets the right status, writes nothing or records the
 * reason, and never takes the process down (every test ends by checking the intake still works).
 */
import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { pool } from "../../app/db.server.ts";
import { enqueueJob } from "../../app/lib/queue/enqueue.server.ts";
import { TOPIC_TASKS } from "../../app/lib/webhooks/topics.ts";
import * as webhooks from "../../app/routes/webhooks.ts";
import { startAppServer, type AppServer } from "../support/app-server.ts";
import { installShop, query } from "../support/db.ts";
import { drainJobs } from "../support/jobs.ts";
import { restCustomer, restOrder } from "../support/payloads.ts";
import { hmacOf, webhookHeaders, type WebhookInput } from "../support/webhooks.ts";

const SHOP = "hostile.myshopify.com";
let app: AppServer;
beforeAll(async () => {
  app = await startAppServer({ "/webhooks": webhooks });
  await installShop(SHOP);
});
afterAll(() => app.close());

/** After every hostile request the intake still accepts a good one. */
afterEach(async () => {
  const id = randomUUID();
  expect(
    await post({
      topic: "customers/update",
      shop: SHOP,
      payload: restCustomer(1, new Date().toISOString()),
      webhookId: id,
    }),
  ).toBe(200);
  expect(await query("SELECT 1 FROM webhook_deliveries WHERE id = $1", [id])).toHaveLength(1);
});

async function post(
  input: WebhookInput,
  headers: Record<string, string | null> = {},
  raw?: Uint8Array<ArrayBuffer> | string,
) {
  const body = raw ?? input.body ?? JSON.stringify(input.payload);
  const all: Record<string, string | null> = { ...webhookHeaders(input, body), ...headers };
  for (const [name, value] of Object.entries(all)) if (value === null) delete all[name];
  const response = await fetch(`${app.url}/webhooks`, {
    method: "POST",
    headers: all as Record<string, string>,
    body,
  });
  await response.arrayBuffer();
  return response.status;
}

const recorded = (id: string) =>
  query<{ status: string; last_error: string | null; shop_domain: string }>(
    "SELECT status::text, last_error, shop_domain FROM webhook_deliveries WHERE id = $1",
    [id],
  );

async function settle(id: string) {
  await drainJobs();
  await enqueueJob(pool, "sweeper", {});
  await drainJobs();
  return (await recorded(id))[0];
}

describe("forged signatures", () => {
  const payload = restCustomer(2, "2026-11-20T10:00:00Z");
  const body = JSON.stringify(payload);

  it.each([
    ["signed with another secret", hmacOf(body, "not-the-app-secret")],
    ["truncated", hmacOf(body).slice(0, 20)],
    ["of another body", hmacOf(JSON.stringify({ ...payload, email: "x@example.com" }))],
    ["not base64", "!!!not-base64!!!"],
    ["empty", ""],
  ])("an HMAC %s is refused with 401 and records nothing", async (_, hmac) => {
    const id = randomUUID();
    const status = await post(
      { topic: "customers/update", shop: SHOP, payload, webhookId: id },
      { "X-Shopify-Hmac-Sha256": hmac },
    );
    expect(status).toBe(hmac === "" ? 400 : 401);
    expect(await recorded(id)).toEqual([]);
  });

  it("invalid UTF-8 signed over its raw bytes is verified but is not JSON: 400, nothing recorded", async () => {
    const id = randomUUID();
    const bytes = new Uint8Array([0x7b, 0x22, 0x69, 0x64, 0x22, 0x3a, 0xff, 0xfe, 0x7d]);
    const status = await post(
      { topic: "customers/update", shop: SHOP, payload: null, webhookId: id },
      { "X-Shopify-Hmac-Sha256": hmacOf(bytes) },
      bytes,
    );
    expect(status).toBe(400);
    expect(await recorded(id)).toEqual([]);
  });
});

describe("genuine bodies with altered headers", () => {
  it("an order body replayed as customers/update is recorded and becomes a dead letter saying why", async () => {
    const id = randomUUID();
    expect(
      await post({
        topic: "customers/update",
        shop: SHOP,
        payload: restOrder(9, "2026-11-20T10:00:00Z"),
        webhookId: id,
      }),
    ).toBe(200);
    const row = await settle(id);
    expect(row?.status).toBe("dead_letter");
    expect(row?.last_error).toMatch(
      /^The customers\/update payload does not match Shopify's format: /,
    );
  });

  it("a privacy request replayed for another shop is recorded and ignored, naming both shops", async () => {
    await installShop("victim.myshopify.com");
    const id = randomUUID();
    const payload = {
      shop_id: 1,
      shop_domain: SHOP,
      customer: { id: 1, email: null, phone: null },
      orders_to_redact: [],
    };
    expect(
      await post({
        topic: "customers/redact",
        shop: "victim.myshopify.com",
        payload,
        webhookId: id,
      }),
    ).toBe(200);
    expect(await settle(id)).toMatchObject({
      status: "ignored",
      last_error: `The payload names ${SHOP}, not victim.myshopify.com`,
    });
  });

  it("a shop domain that is not *.myshopify.com is refused with 400 and records nothing", async () => {
    for (const shop of [
      "evil.example.com",
      "hostile.myshopify.com.evil.com",
      "../hostile.myshopify.com",
    ]) {
      const id = randomUUID();
      expect(
        await post({
          topic: "customers/update",
          shop,
          payload: restCustomer(3, "2026-11-20T10:00:00Z"),
          webhookId: id,
        }),
      ).toBe(400);
      expect(await recorded(id)).toEqual([]);
    }
  });

  it("a shop that never installed Recur: recorded, then ignored with the reason", async () => {
    const id = randomUUID();
    expect(
      await post({
        topic: "orders/create",
        shop: "stranger.myshopify.com",
        payload: restOrder(4, "2026-11-20T10:00:00Z"),
        webhookId: id,
      }),
    ).toBe(200);
    expect(await settle(id)).toMatchObject({
      status: "ignored",
      last_error: "stranger.myshopify.com has not installed Recur",
    });
  });

  it("missing headers are refused with 400 and record nothing", async () => {
    const id = randomUUID();
    expect(
      await post(
        { topic: "customers/update", shop: SHOP, payload: {}, webhookId: id },
        { "X-Shopify-Topic": null },
      ),
    ).toBe(400);
    expect(await recorded(id)).toEqual([]);
  });
});

describe("payloads of the wrong shape", () => {
  it.each(Object.keys(TOPIC_TASKS))(
    "%s with a payload of another shape becomes a dead letter with the reason",
    async (topic) => {
      const id = randomUUID();
      expect(
        await post({
          topic,
          shop: SHOP,
          payload: { unexpected: ["shape"], id: "not-an-id" },
          webhookId: id,
        }),
      ).toBe(200);
      const row = await settle(id);
      expect(row?.status).toBe("dead_letter");
      expect(row?.last_error).toContain(`The ${topic} payload does not match Shopify's format:`);
    },
  );

  it("JSON that is not an object (an array, a number, null) becomes a dead letter", async () => {
    for (const body of ["[]", "42", "null", '"text"']) {
      const id = randomUUID();
      expect(
        await post({ topic: "orders/updated", shop: SHOP, payload: null, body, webhookId: id }),
      ).toBe(200);
      expect((await settle(id))?.status).toBe("dead_letter");
    }
  });
});

describe("JSON that strains the parser or the database", () => {
  it("JSON nested 100,000 deep is recorded as a dead letter: jsonb cannot hold it", async () => {
    const id = randomUUID();
    const body = `${"[".repeat(100_000)}${"]".repeat(100_000)}`;
    expect(
      await post({ topic: "customers/update", shop: SHOP, payload: null, body, webhookId: id }),
    ).toBe(200);
    const [row] = await recorded(id);
    expect(row?.status).toBe("dead_letter");
    expect(row?.last_error).toMatch(/^the payload cannot be stored: stack depth limit exceeded/);
  });

  it.each([
    ["a \\u0000 escape", '{"id": 5, "note": "\\u0000"}', /unsupported Unicode escape sequence/],
    [
      "a lone surrogate escape",
      '{"id": 5, "note": "\\ud800"}',
      /invalid input syntax for type json/,
    ],
  ])("valid JSON with %s is recorded as a dead letter saying why", async (_, body, reason) => {
    const id = randomUUID();
    expect(
      await post({ topic: "customers/update", shop: SHOP, payload: null, body, webhookId: id }),
    ).toBe(200);
    const [row] = await recorded(id);
    expect(row?.status).toBe("dead_letter");
    expect(row?.last_error).toMatch(reason);
  });

  it("a huge but allowed body (just under 1 MiB) is recorded and processed", async () => {
    const id = randomUUID();
    const payload = restCustomer(6, "2026-11-20T10:00:00Z", {
      note: "n".repeat(1024 * 1024 - 500),
    });
    const body = JSON.stringify(payload);
    expect(body.length).toBeLessThan(1024 * 1024);
    expect(await post({ topic: "customers/update", shop: SHOP, payload, webhookId: id })).toBe(200);
    expect((await settle(id))?.status).toBe("processed");
  });

  it("a body over 10 MiB is refused with 413, chunked or not", async () => {
    const id = randomUUID();
    const body = JSON.stringify({ id: 7, note: "n".repeat(10 * 1024 * 1024) });
    expect(
      await post({ topic: "customers/update", shop: SHOP, payload: null, body, webhookId: id }),
    ).toBe(413);
    const chunked = await fetch(`${app.url}/webhooks`, {
      method: "POST",
      headers: webhookHeaders(
        { topic: "customers/update", shop: SHOP, payload: null, webhookId: id },
        body,
      ),
      body: new Blob([body]).stream(),
      duplex: "half",
    } as RequestInit);
    expect(chunked.status).toBe(413);
    expect(await recorded(id)).toEqual([]);
  });
});
