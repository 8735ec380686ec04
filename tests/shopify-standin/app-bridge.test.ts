// The admin frame and the stand-in App Bridge in a real browser (Debian's chromium, headless).
import type { IncomingMessage, ServerResponse } from "node:http";
import { chromium } from "playwright-core";
import type { Browser, Frame, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StandIn } from "./index.ts";
import { API_KEY, shopifyLibrary, startFakeApp, startStandIn } from "./testing.ts";
import type { FakeApp, Received } from "./testing.ts";

const shopify = shopifyLibrary();
let app: FakeApp;
let standIn: StandIn;
let browser: Browser;
const apiCalls: { authorization: string; status: number }[] = [];
const reloads: string[] = [];

function page(title: string, body: string): string {
  return `<!doctype html><html><head><title>${title}</title>
<script src="${standIn.url}/app-bridge.js" data-api-key="${API_KEY}"></script></head><body>${body}</body></html>`;
}

const HARNESS = `
<ui-nav-menu><a href="/" rel="home">Home</a><a href="/settings">Settings</a></ui-nav-menu>
<ui-title-bar title="Dashboard"></ui-title-bar>
<script>
  window.__remixContext = {};
  window.results = {};
  window.addEventListener("shopify:navigate", function (event) {
    window.results.navigated = event.target.getAttribute("href");
    history.pushState(null, "", event.target.getAttribute("href"));
  });
  (async function () {
    window.results.config = shopify.config;
    window.results.environment = shopify.environment;
    window.results.idToken = await shopify.idToken();
    var response = await fetch("/api/data");
    window.results.status = response.status;
    window.results.data = await response.json();
    shopify.toast.show("Saved", { duration: 60000 });
    shopify.toast.show("Sync failed", { isError: true, duration: 60000 });
    shopify.loading(true);
    window.results.done = true;
  })().catch(function (error) { window.results.error = String(error); });
</script>`;

async function serve(entry: Received, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(entry.path, app.url);
  const html = (body: string) => {
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
    res.end(body);
  };
  if (url.pathname === "/api/data") {
    const authorization = String(req.headers.authorization ?? "");
    // The first call is refused the way shopify-app-remix refuses an invalid session token.
    const status = apiCalls.length === 0 ? 401 : 200;
    apiCalls.push({ authorization, status });
    if (status === 401) {
      res.writeHead(401, { "X-Shopify-Retry-Invalid-Session-Request": "1" });
      res.end();
      return;
    }
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end(JSON.stringify({ ok: true }));
    return;
  }
  if (url.pathname === "/bounce-start") {
    // What shopify-app-remix does for a document request without id_token: the bounce page,
    // with the page to come back to in shopify-reload.
    const params = new URLSearchParams(url.search);
    params.delete("id_token");
    params.set("shopify-reload", `${app.url}/reloaded?${params.toString()}`);
    res.writeHead(302, { Location: `/auth/session-token?${params.toString()}` });
    res.end();
    return;
  }
  if (url.pathname === "/auth/session-token") return html(page("Bounce", ""));
  if (url.pathname === "/reloaded") {
    reloads.push(url.searchParams.get("id_token") ?? "");
    return html(page("Reloaded", "<p>reloaded</p>"));
  }
  if (url.pathname === "/exit") {
    // shopify-app-remix's exit-iframe page: App Bridge, then window.open(destination, "_top").
    return html(
      page(
        "Exit",
        `<script>window.open("https://admin.shopify.com/store/browser/apps/recur/settings?from=exit", "_top")</script>`,
      ),
    );
  }
  return html(page("App", HARNESS));
}

beforeAll(async () => {
  app = await startFakeApp(() => 0, serve);
  standIn = await startStandIn(app);
  await standIn.seedShop({ shop: "browser", customers: 3, orders: 3, install: false });
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
});

afterAll(async () => {
  await browser?.close();
  await standIn?.close();
  await app?.close();
});

/** The app's frame once it shows `path` (frames of another origin are only visible from outside). */
async function appFrame(p: Page, path: string): Promise<Frame> {
  let found: Frame | undefined;
  await expect
    .poll(
      () => (found = p.frames().find((f) => f.url().startsWith(`${app.url}${path}`))) !== undefined,
      {
        timeout: 10_000,
      },
    )
    .toBe(true);
  if (!found) throw new Error(`no app frame at ${path}`);
  return found;
}

describe("the admin frame with the stand-in App Bridge", () => {
  it("gives the app session tokens, authenticates its fetches and renders its navigation", async () => {
    const p = await browser.newPage();
    await p.goto(standIn.adminUrl("browser"));
    const frame = await appFrame(p, "/");
    await frame.waitForFunction(() => {
      const r = (window as unknown as { results?: { done?: boolean; error?: string } }).results;
      return r?.done === true || r?.error !== undefined;
    });
    const results = (await frame.evaluate(
      () => (window as unknown as { results: Record<string, unknown> }).results,
    )) as {
      config: Record<string, unknown>;
      environment: Record<string, unknown>;
      idToken: string;
      status: number;
      data: unknown;
      error?: string;
    };
    expect(results.error).toBeUndefined();
    expect(results.config).toMatchObject({
      apiKey: API_KEY,
      shop: "browser.myshopify.com",
      locale: "en",
    });
    expect(results.environment).toEqual({ embedded: true, mobile: false, pos: false });
    expect((await shopify.session.decodeSessionToken(results.idToken)).dest).toBe(
      "https://browser.myshopify.com",
    );
    // One 401 asking for a retry, then a retry with a fresh token.
    expect(results.status).toBe(200);
    expect(results.data).toEqual({ ok: true });
    expect(apiCalls.map((c) => c.status)).toEqual([401, 200]);
    for (const call of apiCalls) {
      expect(call.authorization).toMatch(/^Bearer /);
      await shopify.session.decodeSessionToken(call.authorization.slice("Bearer ".length));
    }

    await expect.poll(() => p.locator("#app-nav a").allTextContents()).toEqual(["Settings"]);
    expect(await frame.locator("ui-nav-menu").isVisible()).toBe(false);
    await expect.poll(() => p.locator("#page-title").textContent()).toBe("Dashboard");
    await expect
      .poll(() => p.locator("#toasts .toast").allTextContents())
      .toEqual(["Saved", "Sync failed"]);
    expect(await p.locator("#toasts .toast.error").textContent()).toBe("Sync failed");
    expect(await p.locator("#loading").getAttribute("class")).toContain("on");
    expect(await p.locator(".topbar").textContent()).toContain(standIn.listShops()[0]?.name ?? "?");

    await p.locator("#app-nav a", { hasText: "Settings" }).click();
    await frame.waitForFunction(
      () =>
        (window as unknown as { results: { navigated?: string } }).results.navigated ===
        "/settings",
    );
    await expect.poll(() => new URL(p.url()).pathname).toBe("/store/browser/apps/recur/settings");
    await p.close();
  });

  it("plays shopify-app-remix's bounce page: a fresh id_token, then the reload", async () => {
    const p = await browser.newPage();
    await p.goto(`${standIn.adminUrl("browser")}/bounce-start`);
    await appFrame(p, "/reloaded");
    expect(reloads).toHaveLength(1);
    const payload = await shopify.session.decodeSessionToken(reloads[0] ?? "");
    expect(payload.dest).toBe("https://browser.myshopify.com");
    await p.close();
  });

  it("moves the top window for exit-iframe redirects, into the stand-in admin", async () => {
    const p = await browser.newPage();
    await p.goto(`${standIn.adminUrl("browser")}/exit`);
    await p.waitForURL(`${standIn.url}/store/browser/apps/recur/settings?from=exit`);
    await appFrame(p, "/settings");
    await p.close();
  });
});
