// HTTP routing for the stand-in.
import { createReadStream, readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { fileURLToPath } from "node:url";
import { handleAccessToken, handleGraphQL } from "./admin-api.ts";
import type { AdminApiDeps } from "./admin-api.ts";
import { FAVICON, adminFramePage, adminPlaceholderPage, newAdminSessionId } from "./admin-frame.ts";
import { DEFAULT_USER } from "./auth.ts";
import { handleControl } from "./control.ts";
import { HttpError, escapeHtml, readJson, requestHost, sendJson, sendText } from "./http-util.ts";
import { StandInError } from "./mutations.ts";
import type { StandIn } from "./standin.ts";

const PUBLIC_FILES: Record<string, string> = {
  "/app-bridge.js": readFileSync(
    fileURLToPath(new URL("./public/app-bridge.js", import.meta.url)),
    "utf8",
  ),
  "/admin-frame.js": readFileSync(
    fileURLToPath(new URL("./public/admin-frame.js", import.meta.url)),
    "utf8",
  ),
};

function adminDeps(standIn: StandIn): AdminApiDeps {
  return {
    schema: standIn.schema,
    auth: standIn.auth,
    bulk: standIn.bulk,
    shopFor: (host) => standIn.shopForHost(host),
    onInstall: (entry) => {
      entry.shop.installed = true;
    },
  };
}

function indexPage(standIn: StandIn): string {
  const rows = standIn
    .listShops()
    .map(
      (s) =>
        `<li><a href="${escapeHtml(s.adminUrl)}">${escapeHtml(s.name)}</a> <code>${escapeHtml(s.shop)}</code> — ${s.customers} customers, ${s.orders} orders, ${escapeHtml(s.currencyCode)}${s.installed ? "" : " (app not installed yet)"}</li>`,
    )
    .join("\n");
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shopify stand-in</title>${FAVICON}
<style>body{font:15px/1.5 -apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,sans-serif;margin:40px;color:#303030}code{color:#616161}</style>
</head><body><h1>Shopify stand-in</h1><p>App: <code>${escapeHtml(standIn.options.appUrl)}</code></p>
<ul>${rows || "<li>No shops yet (POST /_standin/shops).</li>"}</ul></body></html>`;
}

async function adminFrame(
  standIn: StandIn,
  res: ServerResponse,
  handle: string,
  app: string,
  rest: string,
  search: URLSearchParams,
) {
  const entry = standIn.shopForHost(handle);
  if (!entry || (app !== standIn.options.appHandle && app !== standIn.options.apiKey)) {
    throw new HttpError(404, "Not Found");
  }
  const sessionId = newAdminSessionId();
  const idToken = await standIn.auth.sessionToken(entry.shop.domain, DEFAULT_USER, sessionId);
  const adminBase = `/store/${entry.shop.info.handle}/apps/${standIn.options.appHandle}`;
  const html = adminFramePage({
    shop: entry.shop,
    appName: standIn.options.appName,
    appHandle: standIn.options.appHandle,
    appUrl: standIn.options.appUrl,
    apiSecret: standIn.options.apiSecret,
    appPath: rest,
    search,
    idToken,
    sessionId,
    adminBase,
    tokenUrl: `/store/${entry.shop.info.handle}/session-token`,
  });
  sendText(res, 200, html, "text/html; charset=utf-8", { "Cache-Control": "no-store" });
}

async function route(standIn: StandIn, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://stand-in");
  const path = url.pathname;
  const method = req.method ?? "GET";

  if (path.startsWith("/_standin/"))
    return handleControl(standIn, req, res, path.slice("/_standin".length), url);

  const graphql = /^\/admin\/api\/([^/]+)\/graphql\.json$/.exec(path);
  if (graphql) {
    if (method !== "POST") throw new HttpError(405, { errors: "Method Not Allowed" });
    return handleGraphQL(req, res, graphql[1] ?? "", requestHost(req), adminDeps(standIn));
  }
  if (path === "/admin/oauth/access_token") {
    if (method !== "POST") throw new HttpError(405, { errors: "Method Not Allowed" });
    return handleAccessToken(req, res, requestHost(req), adminDeps(standIn));
  }

  const bulkFile = /^\/bulk-results\/([\w-]+\.jsonl)$/.exec(path);
  if (bulkFile && method === "GET") {
    const file = standIn.bulk.filePath(bulkFile[1] ?? "");
    if (!file) throw new HttpError(404, "Not Found");
    res.writeHead(200, { "Content-Type": "application/jsonl" });
    await new Promise<void>((resolve, reject) => {
      const stream = createReadStream(file, { highWaterMark: 1 << 20 });
      stream.once("error", reject);
      stream.once("end", resolve);
      stream.pipe(res);
    });
    return;
  }

  const file = PUBLIC_FILES[path];
  if (file !== undefined && method === "GET") {
    sendText(res, 200, file, "text/javascript; charset=utf-8", { "Cache-Control": "no-cache" });
    return;
  }

  const token = /^\/store\/([^/]+)\/session-token$/.exec(path);
  if (token && method === "POST") {
    const entry = standIn.shopForHost(token[1] ?? "");
    if (!entry) throw new HttpError(404, { error: "Unknown shop" });
    const body = (await readJson(req)) as { sessionId?: string };
    sendJson(res, 200, {
      token: await standIn.auth.sessionToken(entry.shop.domain, DEFAULT_USER, body.sessionId),
    });
    return;
  }

  const app = /^\/store\/([^/]+)\/apps\/([^/]+)(\/.*)?$/.exec(path);
  if (app && method === "GET") {
    return adminFrame(standIn, res, app[1] ?? "", app[2] ?? "", app[3] ?? "", url.searchParams);
  }
  const store = /^\/store\/([^/]+)(\/.*)?$/.exec(path);
  if (store && method === "GET") {
    const entry = standIn.shopForHost(store[1] ?? "");
    if (!entry) throw new HttpError(404, "Not Found");
    const appBase = `/store/${entry.shop.info.handle}/apps/${standIn.options.appHandle}`;
    sendText(
      res,
      200,
      adminPlaceholderPage(entry.shop, standIn.options.appName, appBase, store[2] ?? ""),
      "text/html; charset=utf-8",
    );
    return;
  }
  if (path === "/" && method === "GET") {
    sendText(res, 200, indexPage(standIn), "text/html; charset=utf-8");
    return;
  }
  throw new HttpError(404, "Not Found");
}

export async function handleRequest(
  standIn: StandIn,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  try {
    await route(standIn, req, res);
  } catch (error) {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (error instanceof HttpError) {
      if (typeof error.body === "string")
        sendText(res, error.status, error.body, "text/plain; charset=utf-8");
      else sendJson(res, error.status, error.body);
    } else if (error instanceof StandInError) {
      sendJson(res, error.status, { error: error.message });
    } else {
      standIn.options.log(
        `stand-in error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
      sendJson(res, 500, { errors: "Internal Server Error" });
    }
  }
}
