/**
 * Runs before each integration test file (after its database is made): starts a Shopify stand-in
 * for the file and switches Recur's seam on (SHOPIFY_STANDIN_URL) before any app module loads.
 * Webhooks go to the port reserved for the file's app server (tests/support/app-server.ts).
 */
import { afterAll } from "vitest";
import { startShopifyStandIn } from "../shopify-standin/index.ts";
import { freePort } from "../../scripts/lib/ports.ts";
import { setStandIn } from "../support/standin.ts";

const appPort = await freePort();
const appUrl = `http://127.0.0.1:${appPort}`;
const standIn = await startShopifyStandIn({
  appUrl,
  apiKey: process.env.SHOPIFY_API_KEY!,
  apiSecret: process.env.SHOPIFY_API_SECRET!,
  // Shopify's retry backoff (4 hours in all) in about 14 seconds.
  timeScale: 0.001,
});
setStandIn(standIn, appPort);

Object.assign(process.env, { SHOPIFY_STANDIN_URL: standIn.url, SHOPIFY_APP_URL: appUrl });

afterAll(() => standIn.close());
