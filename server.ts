/**
 * `npm start`: serves the built Remix app (build/) with Express on PORT. Run `npm run build` first.
 * SIGTERM/SIGINT stop accepting connections, finish requests in flight, then close the pool.
 */
// First: parses the environment (production unless NODE_ENV says otherwise) before any library
// reads NODE_ENV.
import { env } from "./app/env.server.ts";
import http from "node:http";
import path from "node:path";
import { createRequestHandler } from "@remix-run/express";
import { installGlobals, type ServerBuild } from "@remix-run/node";
import express from "express";
import { pool, webhookPool } from "./app/db.server.ts";
import { defaultFrameAncestors, limitRequestBodies } from "./app/lib/http/surface.server.ts";
import { isWebhookDelivery, serveWebhook } from "./app/lib/webhooks/node-handler.server.ts";
// Before the build loads: in the bundle, shopify-app-remix's Node adapter (an external import) is
// evaluated before any of the app's own code, so the seam's APP_BRIDGE_URL must be set first, or
// the pages the library renders itself (the session-token bounce page, exit-iframe) load App
// Bridge from Shopify's CDN instead of the stand-in.
import "./app/lib/shopify/standin-seam.server.ts";
import { installQueueSchema } from "./app/lib/queue/schema.server.ts";
import { flushLogs, logger } from "./app/logger.server.ts";

installGlobals({ nativeFetch: true });

const buildDir = path.join(import.meta.dirname, "build");
const build = (await import(path.join(buildDir, "server", "index.js"))) as ServerBuild;

// The web process queues jobs with SQL; make sure graphile-worker's schema is there even before
// any worker has started.
await installQueueSchema(pool);

const app = express();
app.disable("x-powered-by");
app.use(
  "/assets",
  express.static(path.join(buildDir, "client", "assets"), { immutable: true, maxAge: "1y" }),
);
app.use(express.static(path.join(buildDir, "client"), { maxAge: "1h" }));
// Every other route: bodies bounded by their Content-Length (the webhook route has its own limit),
// and a frame-ancestors policy on every HTML answer (app/lib/http/surface.server.ts).
app.all(
  "*",
  limitRequestBodies(),
  defaultFrameAncestors(),
  createRequestHandler({ build, mode: env.NODE_ENV }),
);

// Webhooks, the hot path: POST /webhooks goes from node:http straight to the intake, without
// Express, Remix or a web Request (docs/decisions/048); everything else to Express.
const server = http.createServer((request, response) => {
  if (isWebhookDelivery(request)) serveWebhook(request, response);
  else app(request, response);
});
server.listen(env.PORT, () => {
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : env.PORT;
  logger.info({ port, url: env.SHOPIFY_APP_URL, mode: env.NODE_ENV }, "web server listening");
});
// Shopify gives a webhook delivery five seconds; keep-alive sockets outlive that.
server.keepAliveTimeout = 65_000;
// Bounded by construction (docs/decisions/047): the connections held at once (past the bound a new
// one is closed as it is accepted, before a byte is read), and the time a request may take to send
// its headers (10 s) and itself (30 s; Shopify gives a delivery 5 s), so a slow sender cannot hold
// a connection's buffers for the default five minutes.
server.maxConnections = env.WEB_MAX_CONNECTIONS;
server.headersTimeout = 10_000;
server.requestTimeout = 30_000;

let stopping = false;
function shutdown(signal: NodeJS.Signals) {
  if (stopping) {
    flushLogs();
    process.exit(1);
  }
  stopping = true;
  logger.info({ signal }, "stopping web server");
  server.close(() => {
    Promise.allSettled([pool.end(), webhookPool.end()]).finally(() => {
      flushLogs();
      process.exit(0);
    });
  });
  server.closeIdleConnections();
}
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
