/**
 * `npm run demo`: Recur on its embedded defaults, with a local Shopify stand-in in place of Shopify.
 *
 * Starts PostgreSQL (embedded under .data/postgres, unless DATABASE_URL is set; see
 * scripts/lib/embedded-postgres-placement.ts for root in a private directory), applies the
 * migrations, builds the app if it changed, then runs the stand-in (a seeded demo shop), the web
 * server and the worker. Open the printed admin URL: the stand-in plays Shopify admin, installs
 * Recur by token exchange, and Recur's first full sync starts. Ctrl-C stops everything.
 *
 * The demo store is alive: its seeded history ends at today's midnight (UTC), and the stand-in
 * makes one change every DEMO_LIVE_SECONDS (a new order, a customer edit, a fulfilment, a refund, a
 * cancellation, the odd deletion), delivered to Recur as signed webhooks.
 *
 * Environment: PORT (3000), STANDIN_PORT (4300), DEMO_CUSTOMERS (2000), DEMO_ORDERS (6000),
 * DEMO_LIVE_SECONDS (3; 0 keeps the store still).
 */
import { runMigrations } from "graphile-worker";
import { mkdirSync } from "node:fs";
import path from "node:path";
import {
  DEFAULT_EMBEDDED,
  PROJECT_ROOT,
  displayPath,
  startEmbeddedPostgres,
} from "./lib/embedded-postgres.ts";
import { DEMO_LIVE_SECONDS, DEMO_SHOP, demoHistoryEnd } from "./lib/demo-shop.ts";
import { migrateDeploy } from "./lib/prisma.ts";
import {
  buildIfStale,
  startChild,
  startStandInProcess,
  waitForHttp,
  type Child,
} from "./lib/stack.ts";

const port = Number(process.env.PORT ?? 3000);
const standInPort = Number(process.env.STANDIN_PORT ?? 4300);
const customers = Number(process.env.DEMO_CUSTOMERS ?? DEMO_SHOP.customers);
const orders = Number(process.env.DEMO_ORDERS ?? DEMO_SHOP.orders);
const liveSeconds = Number(process.env.DEMO_LIVE_SECONDS ?? DEMO_LIVE_SECONDS);
if (!Number.isFinite(liveSeconds) || liveSeconds < 0) {
  process.stderr.write("[demo] DEMO_LIVE_SECONDS must be a number of seconds (0 = off)\n");
  process.exit(78);
}
const shop = DEMO_SHOP.handle;
const STANDIN_STATE_FILE = path.join(PROJECT_ROOT, ".data", "shopify-standin.json");
const appUrl = `http://localhost:${port}`;
// Development credentials, shared by the stand-in (which signs with them) and Recur.
const apiKey = process.env.SHOPIFY_API_KEY ?? "recur-dev-api-key";
const apiSecret = process.env.SHOPIFY_API_SECRET ?? "recur-dev-api-secret";

const say = (message: string) => process.stdout.write(`[demo] ${message}\n`);
const children: Child[] = [];
let postgres: Awaited<ReturnType<typeof startEmbeddedPostgres>> | undefined;
let stopping = false;

async function stop(code: number) {
  if (stopping) return;
  stopping = true;
  say("stopping…");
  await Promise.allSettled(children.reverse().map((child) => child.stop("SIGTERM")));
  await postgres?.stop();
  process.exit(code);
}
process.on("SIGINT", () => void stop(0));
process.on("SIGTERM", () => void stop(0));

try {
  let databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    say("starting the embedded PostgreSQL");
    postgres = await startEmbeddedPostgres(DEFAULT_EMBEDDED);
    say(
      `PostgreSQL is running on port ${DEFAULT_EMBEDDED.port} (data: ${displayPath(postgres.dir)})`,
    );
    databaseUrl = postgres.url;
  }
  say("applying migrations");
  await migrateDeploy(databaseUrl);
  await runMigrations({ connectionString: databaseUrl });
  say("building the app (if it changed)");
  await buildIfStale();

  mkdirSync(path.dirname(STANDIN_STATE_FILE), { recursive: true });
  const standIn = await startStandInProcess([
    "--port",
    String(standInPort),
    "--app-url",
    appUrl,
    "--api-key",
    apiKey,
    "--api-secret",
    apiSecret,
    "--shop",
    `${shop}:${customers}:${orders}`,
    "--bulk-rate",
    "2000",
    // Dates relative to today: the overview's last weeks are this month's, not a month of zeros.
    "--ends-at",
    demoHistoryEnd(),
    // Purchase histories in which every RFM segment has customers.
    "--history",
    DEMO_SHOP.history,
    "--live-interval-ms",
    String(Math.round(liveSeconds * 1000)),
    // A restarted demo is the same Shopify: Recur's stored token still works, the app stays
    // installed, the store keeps its changes, and an interrupted sync settles without a browser.
    "--state-file",
    STANDIN_STATE_FILE,
  ]);
  children.push(standIn);
  // The browser must see the admin and the app on one site (localhost), or it treats the app's
  // frame as third-party and refuses it storage; the stand-in prints its admin URL the same way.
  const standInUrl = standIn.browserUrl;

  const env = {
    // The demo is the one development process that may use the stand-in (app/env.server.ts).
    NODE_ENV: "development",
    RECUR_DEMO: "true",
    DATABASE_URL: databaseUrl,
    PORT: String(port),
    SHOPIFY_APP_URL: appUrl,
    SHOPIFY_API_KEY: apiKey,
    SHOPIFY_API_SECRET: apiSecret,
    SHOPIFY_STANDIN_URL: standInUrl,
  };
  children.push(startChild({ name: "worker", args: ["worker.ts"], env }));
  children.push(startChild({ name: "web", args: ["server.ts"], env }));
  await waitForHttp(`${appUrl}/healthz`);

  say("");
  say(`Recur is running at ${appUrl} (health: ${appUrl}/healthz)`);
  say(`Open Shopify admin for the demo shop: ${standInUrl}/store/${shop}/apps/recur`);
  say(
    liveSeconds > 0
      ? `The store is alive: a change every ${liveSeconds} s (DEMO_LIVE_SECONDS=0 keeps it still).`
      : "The store is still (DEMO_LIVE_SECONDS=0).",
  );
  say("Ctrl-C stops everything.");
  for (const child of children) {
    void child.exited.then((code) => {
      if (!stopping) {
        say(`${child.name} exited (${code}); stopping`);
        void stop(1);
      }
    });
  }
} catch (error) {
  process.stderr.write(`[demo] ${error instanceof Error ? error.message : String(error)}\n`);
  await stop(1);
}
