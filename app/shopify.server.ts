/**
 * The one place that configures Shopify: the shopifyApp() call, the Admin API version, and the
 * install hook. Routes import only what this module exports.
 */
// First: in test and demo mode this points App Bridge at the stand-in before the adapter loads.
import { appBridgeUrl, routeShopifyRequestsToStandIn } from "./lib/shopify/standin-seam.server.ts";
import "@shopify/shopify-app-remix/adapters/node";
import { shopifyApi } from "@shopify/shopify-api";
import {
  ApiVersion,
  AppDistribution,
  LogSeverity,
  shopifyApp,
} from "@shopify/shopify-app-remix/server";
import { PrismaSessionStorage } from "@shopify/shopify-app-session-storage-prisma";
import { pool, prisma } from "./db.server.ts";
import { env } from "./env.server.ts";
import { CachedSessionStorage } from "./lib/shopify/session-cache.server.ts";
import { enqueueShopSettings, recordInstall } from "./lib/db/shops.server.ts";
import { requestSync } from "./lib/sync/request.server.ts";
import { logger } from "./logger.server.ts";

/** The Admin API version of every call and webhook (shopify.app.toml says the same; a test checks). */
export const API_VERSION = ApiVersion.October26;

routeShopifyRequestsToStandIn();

const libraryLogger = {
  level: LogSeverity.Info,
  log: (severity: LogSeverity, message: string) => {
    const method = ({ 0: "error", 1: "warn", 2: "info", 3: "debug" } as const)[severity];
    logger[method]({ library: "shopify" }, message);
  },
};

/** The one session storage (the library's, and Recur's own refresh of offline tokens). */
export const sessionCache = new CachedSessionStorage(new PrismaSessionStorage(prisma));

const shopify = shopifyApp({
  apiKey: env.SHOPIFY_API_KEY,
  apiSecretKey: env.SHOPIFY_API_SECRET,
  apiVersion: API_VERSION,
  scopes: env.SCOPES,
  appUrl: env.SHOPIFY_APP_URL,
  authPathPrefix: "/auth",
  sessionStorage: sessionCache,
  distribution: AppDistribution.AppStore,
  future: {
    unstable_newEmbeddedAuthStrategy: true,
    expiringOfflineAccessTokens: true,
  },
  logger: libraryLogger,
  hooks: {
    afterAuth: async ({ session }) => {
      const { shop, newlyInstalled } = await recordInstall(pool, session.shop, session.scope);
      logger.info({ shop: session.shop, newlyInstalled }, "shop authenticated");
      // A first install, or a reinstall, starts with a full sync of customers and orders.
      if (newlyInstalled) await requestSync(pool, shop.id, "full");
      // Its time zone (nightly RFM scoring at its midnight) and currency, which may have changed.
      await enqueueShopSettings(pool, shop.id);
    },
  },
});

// Webhooks are verified without sessions by the intake itself (app/lib/webhooks/verify.server.ts,
// docs/decisions/012 and 033): `authenticate.webhook` would load the shop's offline session and
// refresh an expired token on every webhook, answering 500 when that fails, as it always does after
// an uninstall revoked the token (Shopify/shopify-app-js#3360).

/**
 * shopifyApp() does not expose its own shopifyApi instance; Recur's offline-token refresh needs one
 * (offline session ids, the refresh grant), so this is a second, configured with the same key,
 * secret and version.
 */
const tokenApi = shopifyApi({
  apiKey: env.SHOPIFY_API_KEY,
  apiSecretKey: env.SHOPIFY_API_SECRET,
  apiVersion: API_VERSION,
  scopes: env.SCOPES,
  hostName: new URL(env.SHOPIFY_APP_URL).host,
  hostScheme: new URL(env.SHOPIFY_APP_URL).protocol === "http:" ? "http" : "https",
  isEmbeddedApp: true,
  logger: libraryLogger,
  _logDisabledFutureFlags: false,
});

/**
 * Recur refreshes expiring offline tokens itself, single-flight across processes, before
 * `unauthenticated.admin` would (app/lib/shopify/offline-token.server.ts).
 */
export const offlineTokens = {
  pool,
  storage: sessionCache,
  offlineId: (shop: string) => tokenApi.session.getOfflineId(shop),
  refresh: (params: { shop: string; refreshToken: string }) => tokenApi.auth.refreshToken(params),
};

export default shopify;
export { appBridgeUrl };
export const addDocumentResponseHeaders = shopify.addDocumentResponseHeaders;
export const authenticate = shopify.authenticate;
export const unauthenticated = shopify.unauthenticated;
export const login = shopify.login;
export const sessionStorage = shopify.sessionStorage;
