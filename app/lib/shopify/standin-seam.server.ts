/**
 * The one seam between Recur and the local Shopify stand-in (tests/shopify-standin). It is switched
 * on only by SHOPIFY_STANDIN_URL, which the environment schema (app/env.server.ts) accepts only in a
 * test process (NODE_ENV=test) or the demo (NODE_ENV=development with RECUR_DEMO), and only on a
 * loopback address. No route, task or query knows whether it is on.
 *
 * - The Shopify library's outbound fetch (Admin API, token exchange) goes to the stand-in instead of
 *   https://{shop}, carrying the shop in X-Forwarded-Host as a reverse proxy would.
 * - App Bridge loads from the stand-in, and the stand-in's admin frame may embed the app.
 */
import { abstractFetch, setAbstractFetchFunc } from "@shopify/shopify-api/runtime";
import { env } from "../../env.server.ts";

export const standInUrl: URL | undefined = env.SHOPIFY_STANDIN_URL
  ? new URL(env.SHOPIFY_STANDIN_URL)
  : undefined;

/** The App Bridge script: Shopify's CDN, or the stand-in's copy when the seam is on. */
export const appBridgeUrl: string | undefined = standInUrl
  ? new URL("/app-bridge.js", standInUrl).href
  : undefined;

if (appBridgeUrl) {
  // shopify-app-remix's Node adapter reads this when it loads, for the pages it renders itself
  // (the session-token bounce page and exit-iframe). shopify.server.ts imports this module first.
  // eslint-disable-next-line no-restricted-properties
  process.env.APP_BRIDGE_URL = appBridgeUrl;
}

/** Sends requests for https://{shop}.myshopify.com/... to the stand-in. Call after the adapters load. */
export function routeShopifyRequestsToStandIn(): void {
  if (!standInUrl) return;
  const target = standInUrl;
  const shopifyFetch = abstractFetch;
  setAbstractFetchFunc(async (input, init) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    if (!url.hostname.endsWith(".myshopify.com")) return shopifyFetch(request);
    const rerouted = new URL(url.pathname + url.search, target);
    const headers = new Headers(request.headers);
    headers.set("X-Forwarded-Host", url.host);
    return shopifyFetch(
      new Request(rerouted, {
        method: request.method,
        headers,
        body: await request.arrayBuffer().then((b) => (b.byteLength ? b : null)),
        redirect: "manual",
      }),
    );
  });
}

/** Lets the stand-in's admin frame embed the app and preloads the stand-in's App Bridge. */
export function allowStandInAdminFrame(headers: Headers): void {
  if (!standInUrl || !appBridgeUrl) return;
  const policy = headers.get("Content-Security-Policy");
  if (policy?.startsWith("frame-ancestors ")) {
    headers.set(
      "Content-Security-Policy",
      policy.replace("frame-ancestors ", `frame-ancestors ${standInUrl.origin} `),
    );
  }
  if (headers.has("Link")) headers.set("Link", `<${appBridgeUrl}>; rel="preload"; as="script";`);
}
