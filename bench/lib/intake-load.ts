/**
 * The intake benchmarks' load: signed orders/updated webhooks posted with autocannon, each with its
 * own webhook id (bench/intake.ts, bench/intake-profile.ts).
 */
import { createHmac, randomUUID } from "node:crypto";
import autocannon from "autocannon";
import { restOrder } from "../../tests/support/payloads.ts";
import { BENCH_API_SECRET } from "./app-env.ts";

export const SHOP = "bench.myshopify.com";

export const body = JSON.stringify(
  restOrder(4200, "2026-11-20T10:00:00-05:00", {}, [
    { id: 1, quantity: 1, price: "19.99" },
    { id: 2, quantity: 2, price: "5.00" },
    { id: 3, quantity: 1, price: "42.00" },
  ]),
);
const hmac = createHmac("sha256", BENCH_API_SECRET).update(body).digest("base64");

export async function load(
  url: string,
  options: { connections: number; seconds: number; overallRate?: number },
) {
  return autocannon({
    url: `${url}/webhooks`,
    connections: options.connections,
    duration: options.seconds,
    ...(options.overallRate ? { overallRate: options.overallRate } : {}),
    requests: [
      {
        method: "POST",
        body,
        setupRequest: (request) => ({
          ...request,
          headers: {
            "Content-Type": "application/json",
            "X-Shopify-Topic": "orders/updated",
            "X-Shopify-Hmac-Sha256": hmac,
            "X-Shopify-Shop-Domain": SHOP,
            "X-Shopify-API-Version": "2026-10",
            "X-Shopify-Webhook-Id": randomUUID(),
            "X-Shopify-Event-Id": randomUUID(),
            "X-Shopify-Triggered-At": new Date().toISOString(),
          },
        }),
      },
    ],
  });
}

export const summary = (result: autocannon.Result) => ({
  accepted: result["2xx"],
  others: result.non2xx + result.errors + result.timeouts,
  perSecond: result["2xx"] / result.duration,
  p50: result.latency.p50,
  p99: result.latency.p99,
});

/** The shop and its offline session, as an installed shop has them. */
export async function installBenchShop(db: {
  query(text: string, values?: unknown[]): Promise<unknown>;
}) {
  await db.query("INSERT INTO shops (domain) VALUES ($1)", [SHOP]);
  await db.query(
    `INSERT INTO sessions (id, shop, state, "isOnline", scope, "accessToken") VALUES ($1, $2, 'x', false, 'read_orders', 'shpat_bench')`,
    [`offline_${SHOP}`, SHOP],
  );
}
