// The stand-in as its own process:
//   node tests/shopify-standin/main.ts --app-url http://localhost:3000 --api-key KEY --api-secret SECRET \
//     --shop acme:1000:3000 --shop globex:200:600:EUR --install
// Prints its URL and each shop's admin-frame URL (as a browser must open it), then a machine-readable STANDIN_READY line;
// exits cleanly on SIGINT/SIGTERM.
import { parseArgs } from "node:util";
import { startShopifyStandIn } from "./index.ts";
import { readState, writeState } from "./persist.ts";
import type { SeedShopOptions } from "./index.ts";

const HELP = `Usage: node tests/shopify-standin/main.ts [options]

  --port <n>               port to listen on (env STANDIN_PORT; default 0 = any free port)
  --host <addr>            interface (env STANDIN_HOST; default 127.0.0.1)
  --app-url <url>          the app's URL (env SHOPIFY_APP_URL); webhooks go to <url>/webhooks
  --api-key <key>          the app's API key / client id (env SHOPIFY_API_KEY)
  --api-secret <secret>    the app's API secret (env SHOPIFY_API_SECRET)
  --app-handle <handle>    app handle in admin URLs (env STANDIN_APP_HANDLE; default recur)
  --time-scale <x>         multiplies Shopify's delays, e.g. 0.001 (env STANDIN_TIME_SCALE; default 1)
  --shop <spec>            a shop to seed, repeatable: handle[:customers[:orders[:currency]]]
                           (env STANDIN_SHOPS, comma-separated; default demo:200:600)
  --seed <n>               data seed (env STANDIN_SEED; default 1)
  --install                install the app on the seeded shops and print offline tokens
                           (env STANDIN_INSTALL=1); without it the merchant installs it by opening the app
  --ends-at <when>         end of the seeded history: an ISO time, "today" (this UTC day's
                           midnight, so the store's last weeks are this month's) or "now"
                           (env STANDIN_ENDS_AT; default 2026-11-01T00:00:00Z, deterministic)
  --history <even|lifelike> how orders fall on customers: lifelike gives one-time buyers, very
                           frequent and lapsed customers and partial refunds, so every RFM
                           segment has customers (env STANDIN_HISTORY; default even)
  --live-interval-ms <n>   a living store: one change (new order, customer edit, fulfilment,
                           refund, cancellation, the odd deletion) every n ms per installed shop,
                           sent as webhooks (env STANDIN_LIVE_INTERVAL_MS; default 0 = off)
  --state-file <path>      remember tokens, installs and the shops' data across restarts in this
                           file (env STANDIN_STATE_FILE; default none: each start is afresh)
  --bulk-rate <n>          bulk objects per second (env STANDIN_BULK_RATE; default 20000)
  --bulk-mode <auto|manual> (env STANDIN_BULK_MODE; default auto)
  --webhook-timeout-ms <n> (env STANDIN_WEBHOOK_TIMEOUT_MS; default 5000)
  --quiet                  no log lines
  --help
`;

function fail(message: string): never {
  process.stderr.write(`${message}\n\n${HELP}`);
  process.exit(2);
}

const { values } = parseArgs({
  options: {
    port: { type: "string" },
    host: { type: "string" },
    "app-url": { type: "string" },
    "api-key": { type: "string" },
    "api-secret": { type: "string" },
    "app-handle": { type: "string" },
    "time-scale": { type: "string" },
    shop: { type: "string", multiple: true },
    seed: { type: "string" },
    install: { type: "boolean" },
    "ends-at": { type: "string" },
    "live-interval-ms": { type: "string" },
    history: { type: "string" },
    "state-file": { type: "string" },
    "bulk-rate": { type: "string" },
    "bulk-mode": { type: "string" },
    "webhook-timeout-ms": { type: "string" },
    quiet: { type: "boolean" },
    help: { type: "boolean" },
  },
});

if (values.help) {
  process.stdout.write(HELP);
  process.exit(0);
}

const env = process.env;
function number(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined || value === "") return fallback;
  const n = Number(value);
  if (!Number.isFinite(n)) fail(`${name} must be a number`);
  return n;
}

const appUrl = values["app-url"] ?? env.SHOPIFY_APP_URL;
const apiKey = values["api-key"] ?? env.SHOPIFY_API_KEY;
const apiSecret = values["api-secret"] ?? env.SHOPIFY_API_SECRET;
if (!appUrl) fail("Missing --app-url (or SHOPIFY_APP_URL)");
if (!apiKey) fail("Missing --api-key (or SHOPIFY_API_KEY)");
if (!apiSecret) fail("Missing --api-secret (or SHOPIFY_API_SECRET)");

const seed = number(values.seed ?? env.STANDIN_SEED, "--seed", 1);
const install = values.install ?? env.STANDIN_INSTALL === "1";
/** "today" is this UTC day's midnight: the same history for every start on one day. */
function endsAt(value: string | undefined): string | undefined {
  if (value === undefined || value === "") return undefined;
  if (value === "now") return new Date().toISOString();
  if (value === "today") return `${new Date().toISOString().slice(0, 10)}T00:00:00Z`;
  if (Number.isNaN(Date.parse(value))) fail("--ends-at must be an ISO time, today or now");
  return value;
}
const historyEndsAt = endsAt(values["ends-at"] ?? env.STANDIN_ENDS_AT);
const liveIntervalMs = number(
  values["live-interval-ms"] ?? env.STANDIN_LIVE_INTERVAL_MS,
  "--live-interval-ms",
  0,
);
const history = values.history ?? env.STANDIN_HISTORY ?? "even";
if (history !== "even" && history !== "lifelike") fail("--history must be even or lifelike");
const specs = values.shop ?? (env.STANDIN_SHOPS ?? "demo:200:600").split(",").filter(Boolean);
const shops: SeedShopOptions[] = specs.map((spec) => {
  const [shop = "", customers, orders, currencyCode] = spec.split(":");
  return {
    shop,
    customers: number(customers, "--shop customers", 200),
    orders: number(orders, "--shop orders", 600),
    currencyCode: currencyCode || undefined,
    seed,
    install,
    endsAt: historyEndsAt,
    history,
  };
});
const bulkMode = values["bulk-mode"] ?? env.STANDIN_BULK_MODE ?? "auto";
if (bulkMode !== "auto" && bulkMode !== "manual") fail("--bulk-mode must be auto or manual");
const log = values.quiet
  ? undefined
  : (message: string) => process.stderr.write(`[stand-in] ${message}\n`);

const standIn = await startShopifyStandIn({
  port: number(values.port ?? env.STANDIN_PORT, "--port", 0),
  host: values.host ?? env.STANDIN_HOST ?? "127.0.0.1",
  appUrl,
  apiKey,
  apiSecret,
  appHandle: values["app-handle"] ?? env.STANDIN_APP_HANDLE,
  timeScale: number(values["time-scale"] ?? env.STANDIN_TIME_SCALE, "--time-scale", 1),
  webhookTimeoutMs: number(
    values["webhook-timeout-ms"] ?? env.STANDIN_WEBHOOK_TIMEOUT_MS,
    "--webhook-timeout-ms",
    5_000,
  ),
  bulk: {
    mode: bulkMode,
    objectsPerSecond: number(values["bulk-rate"] ?? env.STANDIN_BULK_RATE, "--bulk-rate", 20_000),
  },
  seed,
  log,
});

const seeded = [];
for (const shop of shops) seeded.push(await standIn.seedShop(shop));

// A restart of the same stand-in: the app's stored tokens still work, installs stand, and each
// shop's data is as the last run's changes left it (unless it was seeded otherwise this time).
const stateFile = values["state-file"] ?? env.STANDIN_STATE_FILE;
let saveState = async () => {};
if (stateFile) {
  const state = await readState(stateFile);
  if (state) {
    const { restored, reseeded } = standIn.importState(state);
    log?.(
      `state from ${state.savedAt} (${stateFile}): tokens kept; data restored for ${restored.join(", ") || "no shop"}` +
        (reseeded.length > 0 ? `; seeded afresh: ${reseeded.join(", ")}` : ""),
    );
    for (const s of seeded) s.installed = standIn.entry(s.shop).shop.installed;
    for (const s of seeded) s.orders = standIn.entry(s.shop).shop.orders.size;
    for (const s of seeded) s.customers = standIn.entry(s.shop).shop.customers.size;
  }
  let saved = "";
  saveState = async () => {
    const signature = `${standIn.revision}:${JSON.stringify(standIn.auth.exportTokens())}:${standIn
      .listShops()
      .map((s) => s.installed)
      .join()}`;
    if (signature === saved) return;
    await writeState(stateFile, standIn.exportState());
    saved = signature;
  };
  await saveState();
  setInterval(
    () => void saveState().catch((error: Error) => log?.(`state not saved: ${error.message}`)),
    2_000,
  ).unref();
}
if (liveIntervalMs > 0) {
  for (const shop of seeded) {
    standIn.startLiveStream(shop.shop, {
      intervalMs: liveIntervalMs,
      onChange: (change) => log?.(`live ${shop.shop}: ${change.kind} ${change.id}`),
    });
  }
}

// The URL to open in a browser. The admin and the app must be one site (or the browser treats the
// app's frame as third-party and refuses it storage), and the app's frame policy names the admin's
// origin as given to it: with an app on localhost, a stand-in listening on a loopback address is
// opened as localhost too; its 127.0.0.1 URL would be refused the frame.
const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);
const listening = new URL(standIn.url);
const appHost = new URL(appUrl).hostname;
const browserUrl =
  LOOPBACK.has(listening.hostname) && LOOPBACK.has(appHost)
    ? standIn.url.replace(listening.hostname, appHost)
    : standIn.url;

const lines = [`Shopify stand-in listening on ${standIn.url} (app ${appUrl})`];
for (const s of seeded) {
  lines.push(
    `  ${s.shop}  ${s.name} (${s.currencyCode}): ${s.customers} customers, ${s.orders} orders`,
  );
  lines.push(`    admin: ${s.adminUrl.replace(standIn.url, browserUrl)}`);
  if (s.accessToken) lines.push(`    offline access token: ${s.accessToken}`);
}
lines.push(`  control API: ${standIn.url}/_standin/…  (see tests/shopify-standin/README.md)`);
process.stdout.write(`${lines.join("\n")}\n`);
process.stdout.write(
  `STANDIN_READY ${JSON.stringify({ url: standIn.url, browserUrl, shops: seeded })}\n`,
);

let closing = false;
async function shutdown(signal: string) {
  if (closing) return;
  closing = true;
  log?.(`${signal}: closing`);
  await saveState().catch((error: Error) => log?.(`state not saved: ${error.message}`));
  await standIn.close();
  process.exit(0);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
