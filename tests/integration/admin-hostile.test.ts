// Hostile requests to the admin: session tokens that are forged, expired, not yet valid, for
// another app or signed with "none" get no data and change nothing; SQL and LIKE metacharacters in
// a search are searched for literally; forged page cursors and oversized input are a 400.
import { randomUUID } from "node:crypto";
import { SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { pool } from "../../app/db.server.ts";
import { requestSync } from "../../app/lib/sync/request.server.ts";
import * as customers from "../../app/routes/app.customers._index.tsx";
import * as deliveries from "../../app/routes/app.deliveries._index.tsx";
import * as orders from "../../app/routes/app.orders._index.tsx";
import { query } from "../support/db.ts";
import { jobs } from "../support/jobs.ts";
import { standIn } from "../support/standin.ts";
import { seedInstalledShop, settleSyncs } from "../support/sync.ts";
import { callAction, callLoader, formRequest, load, type PageBody } from "./admin-helpers.ts";

let shop: string;
let shopId: number;

beforeAll(async () => {
  ({ domain: shop, shopId } = await seedInstalledShop({
    shop: "hostile-admin",
    customers: 40,
    orders: 60,
    seed: 7,
  }));
  await requestSync(pool, shopId, "full");
  await settleSyncs();
  // A dead letter that a Retry with a valid session would bring back.
  await query(
    `INSERT INTO webhook_deliveries (id, topic, shop_domain, api_version, payload, status, attempts, last_error)
     VALUES ('hostile-dead', 'customers/update', $1, '2026-10', '{"id": 1}', 'dead_letter', 10, 'boom')`,
    [shop],
  );
});

interface TokenClaims {
  secret?: string;
  audience?: string;
  issuedAt?: number;
  notBefore?: number;
  expiresAt?: number;
  dest?: string;
}

/** A session token as Shopify shapes one, with one thing changed. */
async function sessionToken(claims: TokenClaims = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const dest = claims.dest ?? `https://${shop}`;
  return new SignJWT({ dest, sid: randomUUID() })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuer(`${dest}/admin`)
    .setAudience(claims.audience ?? process.env.SHOPIFY_API_KEY!)
    .setSubject("1")
    .setIssuedAt(claims.issuedAt ?? now)
    .setNotBefore(claims.notBefore ?? now)
    .setExpirationTime(claims.expiresAt ?? now + 60)
    .setJti(randomUUID())
    .sign(new TextEncoder().encode(claims.secret ?? process.env.SHOPIFY_API_SECRET!));
}

/** An unsigned token ("alg": "none") with otherwise valid claims. */
function unsignedToken(): string {
  const now = Math.floor(Date.now() / 1000);
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${part({ alg: "none", typ: "JWT" })}.${part({
    iss: `https://${shop}/admin`,
    dest: `https://${shop}`,
    aud: process.env.SHOPIFY_API_KEY,
    sub: "1",
    exp: now + 60,
    nbf: now,
    iat: now,
    jti: randomUUID(),
    sid: randomUUID(),
  })}.`;
}

const url = (path: string) => new URL(path, process.env.SHOPIFY_APP_URL).toString();
const withToken = (path: string, token: string, init: RequestInit = {}) =>
  new Request(url(path), {
    ...init,
    headers: { ...(init.headers as Record<string, string>), Authorization: `Bearer ${token}` },
  });

async function deliveriesAndJobs() {
  return {
    deliveries: await query(
      "SELECT id, status::text, attempts FROM webhook_deliveries ORDER BY id",
    ),
    jobs: await jobs(),
  };
}

describe("the admin with a bad session token", () => {
  const now = () => Math.floor(Date.now() / 1000);
  const cases: [string, () => Promise<string> | string][] = [
    ["signed with another secret", () => sessionToken({ secret: "not-the-app-secret" })],
    [
      "expired",
      () => sessionToken({ issuedAt: now() - 600, notBefore: now() - 600, expiresAt: now() - 300 }),
    ],
    ["not valid yet", () => sessionToken({ notBefore: now() + 600, expiresAt: now() + 660 })],
    ["for another app", () => sessionToken({ audience: "another-apps-api-key" })],
    [
      "for a shop that is not a myshopify domain",
      () => sessionToken({ dest: "https://evil.example.com" }),
    ],
    ["unsigned (alg none)", unsignedToken],
    ["not a token at all", () => "not-a-jwt"],
  ];

  it.each(cases)("gets no data when the token is %s", async (_name, make) => {
    const response = await callLoader(customers, withToken("/app/customers", await make()));
    expect(response.status).toBeGreaterThanOrEqual(300);
    expect(response.status).not.toBe(500);
    const body = await response.text();
    const someCustomer = standIn().groundTruth(shop).customers[0]!;
    expect(body).not.toContain(someCustomer.id);
  });

  it.each(cases)("changes nothing when the token is %s", async (_name, make) => {
    const before = await deliveriesAndJobs();
    const response = await callAction(
      deliveries,
      withToken("/app/deliveries", await make(), {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ intent: "retry", ids: "hostile-dead" }).toString(),
      }),
    );
    expect(response.status).toBeGreaterThanOrEqual(300);
    expect(response.status).not.toBe(500);
    expect(await deliveriesAndJobs()).toEqual(before);
    expect(before.deliveries).toContainEqual({
      id: "hostile-dead",
      status: "dead_letter",
      attempts: 10,
    });
  });
});

describe("the admin's lists with hostile input", () => {
  it("searches for SQL and LIKE metacharacters literally and finds nothing", async () => {
    for (const q of [
      "'; DROP TABLE customers; --",
      "%%%",
      "___",
      "\\\\\\",
      "' OR '1'='1",
      "名前名前 🙂🙂🙂",
    ]) {
      const response = await load<PageBody<{ id: string }>>(
        customers,
        shop,
        `/app/customers?q=${encodeURIComponent(q)}`,
      );
      expect(response.status, q).toBe(200);
      expect(response.body.page.rows, q).toEqual([]);
    }
    const [count] = await query<{ n: number }>(
      "SELECT count(*)::int AS n FROM customers WHERE shop_id = $1",
      [shopId],
    );
    expect(count!.n).toBe(40);
  });

  it("answers 400 to a NUL character, which Postgres text cannot hold", async () => {
    const list = await load<{ message: string }>(customers, shop, "/app/customers?q=abc%00def");
    expect(list.status).toBe(400);
    expect(list.body.message).toMatch(/NUL/);
    const before = await deliveriesAndJobs();
    const retry = await callAction(
      deliveries,
      await formRequest(shop, "/app/deliveries", { intent: "retry", ids: "hostile-dead\u0000" }),
    );
    expect(retry.status).toBe(400);
    expect(await deliveriesAndJobs()).toEqual(before);
  });

  it("answers 400 to forged page cursors, naming the cursor", async () => {
    const cursor = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
    for (const after of [
      "%%%not-base64%%%",
      cursor({ value: "x" }),
      cursor(["not-a-date", "1"]),
      cursor(["2026-01-01T00:00:00Z", "not-a-number"]),
      cursor(["2026-01-01T00:00:00Z", "99999999999999999999999999"]),
      cursor(["2026-01-01T00:00:00Z", "1); DROP TABLE customers; --"]),
    ]) {
      const response = await load<{ message: string }>(
        customers,
        shop,
        `/app/customers?after=${encodeURIComponent(after)}`,
      );
      expect(response.status, after).toBe(400);
      expect(response.body.message, after).toMatch(/cursor/i);
    }
    const orderCursor = Buffer.from(JSON.stringify(["lots", "1"])).toString("base64url");
    const response = await load<{ message: string }>(
      orders,
      shop,
      `/app/orders?sort=total&after=${orderCursor}`,
    );
    expect(response.status).toBe(400);
  });

  it("answers 400 to oversized or unknown list parameters", async () => {
    const tooLong = "a".repeat(5_000);
    for (const path of [
      `/app/customers?q=${tooLong}`,
      `/app/customers?after=${tooLong}`,
      `/app/customers?sort=shopify_id;DROP`,
      `/app/customers?direction=sideways`,
      `/app/deliveries?status=${tooLong}`,
    ]) {
      const module = path.startsWith("/app/deliveries") ? deliveries : customers;
      const response = await load<{ message: string }>(module, shop, path);
      expect(response.status, path.slice(0, 60)).toBe(400);
    }
  });
});
