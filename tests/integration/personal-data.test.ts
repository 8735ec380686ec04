/**
 * Personal data that is really gone (docs/decisions/037, 038): after each privacy flow, no column
 * of any table (payloads included) holds the customer's email, phone or names.
 */
import { describe, expect, it } from "vitest";
import { pool } from "../../app/db.server.ts";
import { cronItems } from "../../app/jobs/crontab.server.ts";
import { enqueueJob } from "../../app/lib/queue/enqueue.server.ts";
import { scoreShop } from "../../app/lib/rfm/score-shop.server.ts";
import { installShop, query } from "../support/db.ts";
import { drainJobs } from "../support/jobs.ts";
import { purchasingSummary, restCustomer, restOrder, tagsChanged } from "../support/payloads.ts";
import { wherePersonIsStored, type Person } from "../support/personal-data.ts";
import { sendWebhook, type WebhookInput } from "../support/webhooks.ts";
import { useWebhookApp } from "../support/webhook-app.ts";

const app = useWebhookApp();

async function deliver(input: WebhookInput) {
  expect(await sendWebhook(app.url, input)).toBe(200);
  await drainJobs();
}

const at = (offsetMs = 0) => new Date(Date.now() + offsetMs).toISOString();

let people = 0;
/** A person no other test uses, so the search over the whole database is this test's alone. */
function newPerson(): Person & { id: number } {
  people++;
  return {
    id: 4000 + people,
    email: `ximena.quartermaine${people}@example.org`,
    phone: `+4420718387${String(people).padStart(2, "0")}`,
    firstName: `Ximena${people}`,
    lastName: `Quartermaine${people}`,
  };
}

/** An order as Shopify sends it, naming its customer in every place a REST order does. */
function orderOf(person: Person & { id: number }, orderId: number, updatedAt: string) {
  return restOrder(orderId, updatedAt, {
    email: person.email,
    phone: person.phone,
    contact_email: person.email,
    customer: {
      id: person.id,
      admin_graphql_api_id: `gid://shopify/Customer/${person.id}`,
      email: person.email,
      first_name: person.firstName,
      last_name: person.lastName,
      phone: person.phone,
    },
    billing_address: {
      first_name: person.firstName,
      last_name: person.lastName,
      name: `${person.firstName} ${person.lastName}`,
      phone: person.phone,
      address1: "1 Privacy Lane",
    },
  });
}

/** A shop where the person is a customer with tags, a purchasing summary, two orders and RFM. */
async function seed(shop: string, person: Person & { id: number }) {
  const shopId = await installShop(shop);
  const customer = (updatedAt: string) =>
    restCustomer(person.id, updatedAt, {
      email: person.email,
      phone: person.phone,
      first_name: person.firstName,
      last_name: person.lastName,
    });
  await deliver({ topic: "customers/create", shop, payload: customer(at(-60_000)) });
  await deliver({
    topic: "customer.tags_added",
    shop,
    payload: tagsChanged(person.id, at(-50_000), ["vip", "newsletter"]),
  });
  await deliver({
    topic: "customers/purchasing_summary",
    shop,
    payload: purchasingSummary(person.id, at(-40_000), 2, "50.00"),
  });
  const orderIds = [person.id * 10 + 1, person.id * 10 + 2];
  for (const orderId of orderIds) {
    await deliver({ topic: "orders/create", shop, payload: orderOf(person, orderId, at(-30_000)) });
  }
  const client = await pool.connect();
  await scoreShop(client, shopId).finally(() => client.release());
  return { shopId, orderIds, customer };
}

async function requestData(shop: string, person: Person & { id: number }, orderIds: number[]) {
  await deliver({
    topic: "customers/data_request",
    shop,
    payload: {
      shop_id: 1,
      shop_domain: shop,
      orders_requested: orderIds,
      customer: { id: person.id, email: person.email, phone: person.phone },
      data_request: { id: person.id + 90_000 },
    },
  });
}

/** Settles every delivery of the shop `days` days ago, as if it were that old. */
async function age(shop: string, days: number) {
  await query(
    `UPDATE webhook_deliveries SET received_at = received_at - make_interval(days => $2),
       processed_at = processed_at - make_interval(days => $2)
     WHERE shop_domain = $1`,
    [shop, days],
  );
}

async function runRetention() {
  await enqueueJob(pool, "retention", {});
  await drainJobs({ tasks: ["retention"] });
}

describe("the search over every table", () => {
  it("finds the person where Recur stored them (so an empty answer means something)", async () => {
    const person = newPerson();
    const shop = "privacy-probe.myshopify.com";
    const { orderIds } = await seed(shop, person);
    await requestData(shop, person, orderIds);
    const found = await wherePersonIsStored(person);
    for (const column of [
      "public.customers.email",
      "public.customers.first_name",
      "public.customers.last_name",
      "public.customers.phone",
      "public.orders.email",
      "public.webhook_deliveries.payload",
      "public.data_requests.export",
      "public.data_requests.customer_email",
    ]) {
      expect(found).toContain(column);
    }
  });
});

describe("customers/redact", () => {
  it("leaves the customer's email, phone and names nowhere, also after deliveries that arrive later", async () => {
    const person = newPerson();
    const shop = "privacy-redact.myshopify.com";
    const { shopId, orderIds, customer } = await seed(shop, person);
    await requestData(shop, person, orderIds);
    expect(await query("SELECT 1 FROM customer_rfm WHERE shop_id = $1", [shopId])).toHaveLength(1);

    // Two deliveries still waiting: one for its job, one for a retry after a failed attempt.
    for (const [id, status] of [
      ["waiting-for-job", "received"],
      ["waiting-for-retry", "processing"],
    ]) {
      await query(
        `INSERT INTO webhook_deliveries (id, topic, shop_domain, api_version, payload, status, attempts)
         VALUES ($1, 'customers/update', $2, '2026-10', $3, $4::delivery_status, $5)`,
        [id, shop, JSON.stringify(customer(at(-10_000))), status, status === "received" ? 0 : 1],
      );
    }
    await deliver({
      topic: "customers/redact",
      shop,
      payload: {
        shop_id: 1,
        shop_domain: shop,
        customer: { id: person.id, email: person.email, phone: person.phone },
        orders_to_redact: orderIds,
      },
    });
    expect(await wherePersonIsStored(person)).toEqual([]);
    expect(
      await query(
        `SELECT id, status::text, last_error FROM webhook_deliveries
         WHERE id IN ('waiting-for-job', 'waiting-for-retry') ORDER BY id`,
      ),
    ).toEqual(
      ["waiting-for-job", "waiting-for-retry"].map((id) => ({
        id,
        status: "ignored",
        last_error:
          "The customer's data was erased (customers/redact) before this delivery was processed",
      })),
    );
    expect(
      await query(
        "SELECT status::text FROM webhook_deliveries WHERE shop_domain = $1 AND topic = 'customers/redact'",
        [shop],
      ),
    ).toEqual([{ status: "processed" }]);
    // Tags and the tag clock went with the personal fields; ids, times and figures stay.
    expect(
      await query(
        `SELECT tags, tag_clock, number_of_orders, redacted_at IS NOT NULL AS redacted
         FROM customers WHERE shop_id = $1 AND shopify_id = $2`,
        [shopId, person.id],
      ),
    ).toEqual([{ tags: [], tag_clock: {}, number_of_orders: 2, redacted: true }]);
    expect(await query("SELECT 1 FROM customer_rfm WHERE shop_id = $1", [shopId])).toEqual([]);
    expect(
      await query(
        "SELECT customer_shopify_id::text AS id, to_segment FROM rfm_segment_changes WHERE shop_id = $1",
        [shopId],
      ),
    ).toHaveLength(1);
    // The stored payloads keep their ids: the redaction's own delivery still names whom it erased.
    const [redaction] = await query<{ payload: unknown; removed: boolean }>(
      `SELECT payload, personal_data_removed_at IS NOT NULL AS removed FROM webhook_deliveries
       WHERE shop_domain = $1 AND topic = 'customers/redact'`,
      [shop],
    );
    expect(redaction).toEqual({
      payload: {
        shop_id: 1,
        shop_domain: shop,
        customer: { id: person.id },
        orders_to_redact: orderIds,
        personal_data_removed: true,
      },
      removed: true,
    });

    // Shopify's deliveries can arrive a day late, and out of order.
    await deliver({ topic: "customers/update", shop, payload: customer(at(60_000)) });
    await deliver({
      topic: "customer.tags_added",
      shop,
      payload: tagsChanged(person.id, at(60_000), [person.email]),
    });
    await deliver({
      topic: "customers/purchasing_summary",
      shop,
      payload: purchasingSummary(person.id, at(60_000), 3, "75.00"),
    });
    await deliver({
      topic: "orders/updated",
      shop,
      payload: orderOf(person, orderIds[0]!, at(60_000)),
    });
    await deliver({
      topic: "customers/data_request",
      shop,
      payload: {
        shop_id: 1,
        shop_domain: shop,
        orders_requested: [],
        customer: { id: person.id, email: person.email, phone: person.phone },
        data_request: { id: 1 },
      },
    });
    expect(await wherePersonIsStored(person)).toEqual([]);
    expect(
      await query(
        `SELECT topic, status::text FROM webhook_deliveries
         WHERE shop_domain = $1 AND personal_data_removed_at IS NULL`,
        [shop],
      ),
    ).toEqual([]);
    expect(
      await query("SELECT tags FROM customers WHERE shop_id = $1 AND shopify_id = $2", [
        shopId,
        person.id,
      ]),
    ).toEqual([{ tags: [] }]);
  });
});

describe("customers/delete and orders/delete", () => {
  it("keep tombstones with ids and times; retention then removes the payloads' personal content", async () => {
    const person = newPerson();
    const shop = "privacy-tombstone.myshopify.com";
    const { shopId, orderIds } = await seed(shop, person);
    await deliver({ topic: "customers/delete", shop, payload: { id: person.id } });
    for (const id of orderIds) await deliver({ topic: "orders/delete", shop, payload: { id } });

    expect(
      await query(
        `SELECT email, first_name, last_name, phone, tags, tag_clock, deleted_at IS NOT NULL AS deleted,
           shopify_created_at IS NOT NULL AS created
         FROM customers WHERE shop_id = $1`,
        [shopId],
      ),
    ).toEqual([
      {
        email: null,
        first_name: null,
        last_name: null,
        phone: null,
        tags: [],
        tag_clock: {},
        deleted: true,
        created: true,
      },
    ]);
    expect(
      await query(
        "SELECT email, deleted_at IS NOT NULL AS deleted FROM orders WHERE shop_id = $1 ORDER BY shopify_id",
        [shopId],
      ),
    ).toEqual([
      { email: null, deleted: true },
      { email: null, deleted: true },
    ]);
    // Only the stored payloads still name the customer, until the retention period has passed.
    expect(await wherePersonIsStored(person)).toEqual(["public.webhook_deliveries.payload"]);
    await age(shop, 31);
    await runRetention();
    expect(await wherePersonIsStored(person)).toEqual([]);
  });
});

describe("the retention task", () => {
  it("is a cron task of the worker", () => {
    const item = cronItems.find((candidate) => candidate.identifier === "retention");
    expect(item?.task).toBe("retention");
    expect(item?.options.backfillPeriod).toBe(0);
  });

  it("removes the personal content of settled deliveries older than 30 days, keeping ids, topic, status and times; dead letters and newer ones keep theirs", async () => {
    const person = newPerson();
    const old = "privacy-retention-old.myshopify.com";
    const recent = "privacy-retention-new.myshopify.com";
    await seed(old, person);
    await seed(recent, { ...person, id: person.id + 500 });
    // A dead letter: its payload stays until the merchant retries it.
    await deliver({
      topic: "customers/update",
      shop: old,
      payload: { ...restCustomer(person.id, "not a time"), email: person.email },
      webhookId: "retention-dead-letter",
    });
    await age(old, 31);
    await age(recent, 29);
    const before = await query<Record<string, unknown>>(
      `SELECT id, topic, status::text, shop_domain, triggered_at, received_at, processed_at, attempts
       FROM webhook_deliveries WHERE shop_domain IN ($1, $2) ORDER BY id`,
      [old, recent],
    );

    await runRetention();

    const after = await query<{
      id: string;
      shop_domain: string;
      status: string;
      payload: Record<string, unknown>;
      removed: boolean;
    }>(
      `SELECT id, shop_domain, status::text, payload, personal_data_removed_at IS NOT NULL AS removed
       FROM webhook_deliveries WHERE shop_domain IN ($1, $2) ORDER BY id`,
      [old, recent],
    );
    const scrubbed = after.filter((row) => row.shop_domain === old && row.status !== "dead_letter");
    expect(scrubbed.length).toBe(5);
    for (const row of scrubbed) {
      expect(row.removed).toBe(true);
      expect(row.payload.personal_data_removed).toBe(true);
      expect(JSON.stringify(row.payload)).not.toContain(person.email);
    }
    // Ids survive: a customer payload keeps its id, a tags payload its customerId, an order its id.
    expect(scrubbed.map((row) => row.payload.id ?? row.payload.customerId).sort()).toEqual(
      [
        person.id,
        `gid://shopify/Customer/${person.id}`,
        `gid://shopify/Customer/${person.id}`,
        person.id * 10 + 1,
        person.id * 10 + 2,
      ].sort(),
    );
    expect(after.find((row) => row.id === "retention-dead-letter")).toMatchObject({
      status: "dead_letter",
      removed: false,
    });
    expect(after.filter((row) => row.shop_domain === recent).every((row) => !row.removed)).toBe(
      true,
    );
    expect(
      await query(
        `SELECT id, topic, status::text, shop_domain, triggered_at, received_at, processed_at, attempts
         FROM webhook_deliveries WHERE shop_domain IN ($1, $2) ORDER BY id`,
        [old, recent],
      ),
    ).toEqual(before);
    // A second run finds nothing more to do and changes nothing.
    await runRetention();
    expect(
      await query(
        `SELECT id, payload FROM webhook_deliveries WHERE shop_domain IN ($1, $2) ORDER BY id`,
        [old, recent],
      ),
    ).toEqual(after.map((row) => ({ id: row.id, payload: row.payload })));
  });
});

describe("shop/redact", () => {
  it("leaves the shop's customers nowhere, also when a delivery arrives after the erasure", async () => {
    const person = newPerson();
    const shop = "privacy-shop-redact.myshopify.com";
    const { customer } = await seed(shop, person);
    await requestData(shop, person, []);
    await deliver({ topic: "app/uninstalled", shop, payload: { id: 1 } });
    await deliver({ topic: "shop/redact", shop, payload: { shop_id: 1, shop_domain: shop } });
    expect(await wherePersonIsStored(person)).toEqual([]);

    await deliver({ topic: "customers/update", shop, payload: customer(at(60_000)) });
    expect(await wherePersonIsStored(person)).toEqual([]);
  });

  it("is ignored, with the reason, for a shop that reinstalled Recur since its uninstall", async () => {
    const person = newPerson();
    const shop = "privacy-reinstalled.myshopify.com";
    const { shopId } = await seed(shop, person);
    await deliver({
      topic: "app/uninstalled",
      shop,
      payload: { id: 1 },
      triggeredAt: at(-3 * 3_600_000),
    });
    // The merchant came back an hour ago (what recordInstall does on a reinstall).
    await query(
      `UPDATE shops SET state = 'installed', installed_at = now() - interval '1 hour',
         uninstalled_at = NULL WHERE id = $1`,
      [shopId],
    );
    // Shopify sends shop/redact 48 hours after the uninstall, whatever happened since.
    await deliver({
      topic: "shop/redact",
      shop,
      payload: { shop_id: 1, shop_domain: shop },
      webhookId: "redact-after-reinstall",
    });
    const [delivery] = await query<{ status: string; last_error: string }>(
      "SELECT status::text, last_error FROM webhook_deliveries WHERE id = 'redact-after-reinstall'",
    );
    expect(delivery?.status).toBe("ignored");
    expect(delivery?.last_error).toMatch(
      /^privacy-reinstalled\.myshopify\.com installed Recur again \(.+\) after its uninstall; shop\/redact of .+ not applied$/,
    );
    expect(await wherePersonIsStored(person)).toContain("public.customers.email");
    expect(await query("SELECT redacted_at FROM shops WHERE id = $1", [shopId])).toEqual([
      { redacted_at: null },
    ]);
  });
});

describe("customers/data_request", () => {
  it("exports everything Recur holds about the customer: deleted orders, stored payloads, RFM, and what it leaves out", async () => {
    const person = newPerson();
    const shop = "privacy-export.myshopify.com";
    const { shopId, orderIds } = await seed(shop, person);
    await deliver({ topic: "orders/delete", shop, payload: { id: orderIds[1] } });
    await requestData(shop, person, orderIds);

    const [request] = await query<{
      export: {
        customer: { email: string; tags: string[] };
        orders: { id: string; deletedAt: string | null; email: string | null }[];
        rfm: { segment: string } | null;
        segmentChanges: { toSegment: string }[];
        webhookDeliveries: { topic: string; payload: Record<string, unknown> }[];
        notIncluded: string[];
      };
    }>("SELECT export FROM data_requests WHERE shop_id = $1", [shopId]);
    const data = request!.export;
    expect(data.customer.email).toBe(person.email);
    expect(data.customer.tags).toEqual(["newsletter", "vip"]);
    expect(data.orders.map((order) => [order.id, order.deletedAt !== null])).toEqual([
      [String(orderIds[0]), false],
      [String(orderIds[1]), true],
    ]);
    expect(data.rfm?.segment).toEqual(expect.any(String));
    expect(data.segmentChanges).toHaveLength(1);
    expect(data.webhookDeliveries.map((delivery) => delivery.topic)).toEqual([
      "customers/create",
      "customer.tags_added",
      "customers/purchasing_summary",
      "orders/create",
      "orders/create",
      "orders/delete",
      "customers/data_request",
    ]);
    expect(data.webhookDeliveries[0]!.payload.email).toBe(person.email);
    expect(data.notIncluded.join(" ")).toMatch(/settled more than 30 days ago/);
  });
});
