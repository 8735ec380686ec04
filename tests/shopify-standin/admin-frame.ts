// The admin frame: a page that plays Shopify admin for one shop and frames the app with the query
// Shopify sends (shopify.dev "Embedded app authorization", "About session tokens").
import { createHash, createHmac, randomUUID } from "node:crypto";
import { escapeHtml } from "./http-util.ts";
import type { Shop } from "./shop.ts";

/** Query parameters Shopify adds to an embedded app's URL; App Bridge strips them from its own URLs. */
export const EMBEDDED_PARAMS = [
  "embedded",
  "hmac",
  "host",
  "id_token",
  "locale",
  "session",
  "shop",
  "timestamp",
];

/** `host`: base64 of admin.shopify.com/store/{handle}, as Shopify's unified admin sends it. */
export function hostParam(handle: string): string {
  return Buffer.from(`admin.shopify.com/store/${handle}`).toString("base64").replace(/=+$/, "");
}

/** The admin's query HMAC: hex HMAC-SHA256 over the sorted, URL-encoded key=value pairs (hmac left out). */
export function signQuery(params: URLSearchParams, secret: string): string {
  const pairs = [...params.entries()].filter(([k]) => k !== "hmac" && k !== "signature");
  pairs.sort(([a], [b]) => a.localeCompare(b));
  const message = new URLSearchParams(pairs).toString().replace(/\+/g, "%20");
  return createHmac("sha256", secret).update(message).digest("hex");
}

export interface AdminFrameInput {
  shop: Shop;
  appName: string;
  appHandle: string;
  appUrl: string;
  apiSecret: string;
  /** Path inside the app (after /apps/{handle}) and the admin URL's own query string. */
  appPath: string;
  search: URLSearchParams;
  idToken: string;
  sessionId: string;
}

export function appFrameUrl(input: AdminFrameInput): string {
  const base = new URL(input.appUrl);
  const basePath = base.pathname.replace(/\/$/, "");
  const url = new URL(`${basePath}${input.appPath || "/"}`, base.origin);
  const params = new URLSearchParams();
  for (const [key, value] of input.search)
    if (!EMBEDDED_PARAMS.includes(key)) params.append(key, value);
  params.set("embedded", "1");
  params.set("host", hostParam(input.shop.info.handle));
  params.set("id_token", input.idToken);
  params.set("locale", "en");
  params.set("session", createHash("sha256").update(input.sessionId).digest("hex"));
  params.set("shop", input.shop.domain);
  params.set("timestamp", String(Math.floor(Date.now() / 1000)));
  params.set("hmac", signQuery(params, input.apiSecret));
  url.search = params.toString();
  return url.href;
}

/**
 * The pages' icon, inline: without one a browser asks for /favicon.ico on every load, and the
 * stand-in's 404 for it is an error in the console of every admin page.
 */
export const FAVICON = `<link rel="icon" href="data:image/svg+xml,${encodeURIComponent(
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="4" fill="#2db167"/></svg>',
)}">`;

function json(value: unknown): string {
  return JSON.stringify(value).replaceAll("<", "\\u003c");
}

const STYLE = `
  * { box-sizing: border-box; }
  body { margin: 0; font: 14px/1.4 -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, sans-serif; background: #f1f1f1; color: #303030; }
  .topbar { height: 56px; background: #1a1a1a; color: #e3e3e3; display: flex; align-items: center; padding: 0 16px; gap: 16px; }
  .logo { font-weight: 700; font-size: 16px; color: #fff; white-space: nowrap; }
  .logo span { font-weight: 400; color: #8a8a8a; font-size: 12px; margin-left: 4px; }
  .search { flex: 1; max-width: 560px; margin: 0 auto; background: #303030; color: #8a8a8a; border-radius: 10px; padding: 7px 12px; }
  .shop { display: flex; align-items: center; gap: 8px; white-space: nowrap; }
  .avatar { width: 28px; height: 28px; border-radius: 8px; background: #2db167; color: #fff; display: grid; place-items: center; font-weight: 600; font-size: 12px; }
  .loading { position: fixed; top: 56px; left: 0; height: 3px; width: 0; background: #2c6ecb; transition: width 0.6s ease; z-index: 5; }
  .loading.on { width: 70%; }
  .layout { display: flex; height: calc(100vh - 56px); }
  .sidebar { width: 240px; background: #ebebeb; padding: 12px 8px; overflow-y: auto; flex-shrink: 0; }
  .sidebar a { display: block; color: #303030; text-decoration: none; padding: 6px 10px; border-radius: 8px; font-weight: 550; }
  .sidebar a:hover { background: #f7f7f7; }
  .sidebar a.active { background: #fafafa; font-weight: 650; }
  .sidebar .section { color: #616161; font-size: 12px; font-weight: 600; margin: 16px 10px 4px; }
  .sidebar .sub a { padding-left: 28px; font-weight: 450; }
  main { flex: 1; display: flex; flex-direction: column; min-width: 0; }
  .titlebar { height: 48px; display: flex; align-items: center; gap: 8px; padding: 0 20px; font-weight: 650; font-size: 15px; }
  .titlebar #page-title:not(:empty)::before { content: "›"; margin-right: 8px; color: #8a8a8a; }
  iframe { flex: 1; border: 0; width: 100%; background: #f1f1f1; }
  #toasts { position: fixed; bottom: 24px; left: 50%; transform: translateX(-50%); display: flex; flex-direction: column; gap: 8px; align-items: center; }
  .toast { background: #1a1a1a; color: #fff; padding: 10px 16px; border-radius: 10px; box-shadow: 0 4px 12px rgba(0,0,0,.25); }
  .toast.error { background: #8e1f0b; }
  .placeholder { padding: 40px; color: #616161; }
`;

const ADMIN_SECTIONS = [
  "Home",
  "Orders",
  "Products",
  "Customers",
  "Content",
  "Analytics",
  "Marketing",
  "Discounts",
];

function chrome(shop: Shop, title: string, nav: string, main: string, tail = ""): string {
  const initials = shop.info.name
    .split(/\s+/)
    .map((w) => w[0] ?? "")
    .join("")
    .slice(0, 2)
    .toUpperCase();
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
${FAVICON}
<style>${STYLE}</style>
</head>
<body>
<header class="topbar">
  <div class="logo">shopify<span>stand-in</span></div>
  <div class="search">Search</div>
  <div class="shop"><span>${escapeHtml(shop.info.name)}</span><span class="avatar">${escapeHtml(initials)}</span></div>
</header>
<div class="loading" id="loading"></div>
<div class="layout">
  <nav class="sidebar">
    ${ADMIN_SECTIONS.map(
      (s) => `<a href="/store/${escapeHtml(shop.info.handle)}/${s.toLowerCase()}">${s}</a>`,
    ).join("\n    ")}
    <div class="section">Apps</div>
    ${nav}
  </nav>
  <main>${main}</main>
</div>
<div id="toasts"></div>
${tail}
</body>
</html>`;
}

export function adminFramePage(
  input: AdminFrameInput & { adminBase: string; tokenUrl: string },
): string {
  const src = appFrameUrl(input);
  const config = {
    shop: input.shop.domain,
    handle: input.shop.info.handle,
    appName: input.appName,
    appOrigin: new URL(input.appUrl).origin,
    appBasePath: new URL(input.appUrl).pathname.replace(/\/$/, ""),
    adminBase: input.adminBase,
    tokenUrl: input.tokenUrl,
    sessionId: input.sessionId,
    embeddedParams: EMBEDDED_PARAMS,
  };
  const nav = `<a class="active" id="app-home" href="${escapeHtml(input.adminBase)}">${escapeHtml(input.appName)}</a>
    <div class="sub" id="app-nav"></div>`;
  const main = `<div class="titlebar"><span id="app-title">${escapeHtml(input.appName)}</span><span id="page-title"></span></div>
    <iframe id="app-frame" name="app-iframe" title="${escapeHtml(input.appName)}" src="${escapeHtml(src)}"></iframe>`;
  const tail = `<script id="standin-config" type="application/json">${json(config)}</script>
<script src="/admin-frame.js"></script>`;
  return chrome(
    input.shop,
    `${input.appName} · ${input.shop.info.name} · Shopify stand-in`,
    nav,
    main,
    tail,
  );
}

export function adminPlaceholderPage(
  shop: Shop,
  appName: string,
  appAdminBase: string,
  path: string,
): string {
  const nav = `<a href="${escapeHtml(appAdminBase)}">${escapeHtml(appName)}</a>`;
  const main = `<div class="titlebar">${escapeHtml(path || "Home")}</div>
    <div class="placeholder">This part of Shopify admin is not played by the stand-in.
    Open <a href="${escapeHtml(appAdminBase)}">${escapeHtml(appName)}</a>.</div>`;
  return chrome(shop, `${shop.info.name} · Shopify stand-in`, nav, main);
}

export function newAdminSessionId(): string {
  return randomUUID();
}
