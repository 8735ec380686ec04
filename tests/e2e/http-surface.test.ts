// The built app's HTTP surface outside the admin's own pages, as `npm start` serves it: server.ts
// started without NODE_ENV (production) on this file's database. Every HTML answer carries a
// frame-ancestors policy, with or without ?shop= (Shopify: "the header must be present on every
// route that renders HTML", shopify.dev/docs/apps/build/security/app-server/set-up-iframe-protection);
// request bodies of every route but POST /webhooks are bounded.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../scripts/lib/ports.ts";
import { startChild, waitForHttp, type Child } from "../../scripts/lib/stack.ts";

const ADMIN_ONLY = "frame-ancestors https://admin.shopify.com;";
const SHOP = "surface-test.myshopify.com";
const HOST = Buffer.from("admin.shopify.com/store/surface-test").toString("base64url");
// shopify-app-remix answers 410 to a user agent that looks like a bot (Node's fetch does).
const BROWSER = {
  "User-Agent":
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
};
let appUrl: string;
let web: Child;
const output: string[] = [];

beforeAll(async () => {
  const port = await freePort();
  appUrl = `http://127.0.0.1:${port}`;
  web = startChild({
    name: "web",
    args: ["server.ts"],
    env: {
      NODE_ENV: undefined,
      SHOPIFY_STANDIN_URL: undefined,
      SHOPIFY_APP_URL: "https://recur.example.com",
      PORT: String(port),
      LOG_LEVEL: "warn",
    },
    onLine: (line) => output.push(line),
  });
  await waitForHttp(`${appUrl}/healthz`).catch((error: unknown) => {
    throw new Error(`${String(error)}\n${output.join("\n")}`);
  });
});

afterAll(async () => {
  await web?.stop();
});

describe("frame-ancestors on every HTML answer", () => {
  it("the landing page, the login page and a 404 without ?shop= may be framed by Shopify admin only", async () => {
    for (const [path, status] of [
      ["/", 200],
      ["/auth/login", 200],
      ["/no-such-page", 404],
    ] as const) {
      const response = await fetch(`${appUrl}${path}`, { redirect: "manual", headers: BROWSER });
      expect(response.status, path).toBe(status);
      expect(response.headers.get("Content-Type"), path).toMatch(/^text\/html/);
      expect(response.headers.get("Content-Security-Policy"), path).toBe(ADMIN_ONLY);
    }
  });

  it("the library's own session-token page without ?shop= too", async () => {
    // shopify-app-remix renders this page itself (a resource route: not through entry.server).
    const response = await fetch(`${appUrl}/auth/session-token`, { headers: BROWSER });
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toMatch(/^text\/html/);
    expect(response.headers.get("Content-Security-Policy")).toBe(ADMIN_ONLY);
  });

  it("keeps shopify-app-remix's per-shop policy when the request names its shop", async () => {
    const response = await fetch(`${appUrl}/auth/session-token?shop=${SHOP}&host=${HOST}`, {
      headers: BROWSER,
    });
    expect(response.headers.get("Content-Type")).toMatch(/^text\/html/);
    // One policy, the library's: the shop's own admin and Shopify admin.
    const policy = response.headers.get("Content-Security-Policy");
    expect(policy).toMatch(
      new RegExp(`^frame-ancestors https://${SHOP} https://admin.shopify.com `),
    );
    expect(policy).not.toContain(",");
  });

  it("leaves answers that are not HTML alone", async () => {
    const response = await fetch(`${appUrl}/healthz`);
    expect(response.headers.get("Content-Security-Policy")).toBeNull();
  });
});

describe("request bodies", () => {
  const big = "shop=" + "x".repeat(100 * 1024);

  it("refuses a body over 64 KiB on /auth/login and on admin routes with 413, unread", async () => {
    for (const path of ["/auth/login", "/app", "/app/deliveries"]) {
      const response = await fetch(`${appUrl}${path}`, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: big,
      });
      expect(response.status, path).toBe(413);
      expect(response.headers.get("Connection"), path).toBe("close");
      expect(await response.text(), path).toBe("Request bodies are limited to 65536 bytes");
    }
  });

  it("refuses a body of unknown length (chunked) with 411", async () => {
    const response = await fetch(`${appUrl}/auth/login`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new ReadableStream({
        start(controller) {
          controller.enqueue(new TextEncoder().encode(`shop=${SHOP}`));
          controller.close();
        },
      }),
      duplex: "half",
    } as RequestInit);
    expect(response.status).toBe(411);
  });

  it("still serves a login form post of ordinary size", async () => {
    const response = await fetch(`${appUrl}/auth/login`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: `shop=${SHOP}`,
      redirect: "manual",
    });
    // The library sends the merchant on to Shopify's install or admin (a redirect), or renders the
    // form again: not a refusal.
    expect([200, 302]).toContain(response.status);
  });

  it("leaves POST /webhooks to its own 10 MiB limit", async () => {
    const response = await fetch(`${appUrl}/webhooks`, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        "X-Shopify-Topic": "orders/updated",
        "X-Shopify-Hmac-Sha256": "not-the-hmac",
        "X-Shopify-Shop-Domain": SHOP,
        "X-Shopify-API-Version": "2026-10",
        "X-Shopify-Webhook-Id": "surface-1",
      },
      body: JSON.stringify({ note: "x".repeat(100 * 1024) }),
    });
    // Read and verified (a bad HMAC), not refused for its size.
    expect(response.status).toBe(401);
  });
});
