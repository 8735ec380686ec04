/**
 * What a benchmark's Recur process needs to start in production mode (app/env.server.ts): the
 * app's credentials and an https app URL. Webhooks and jobs never use the URL; benchmark values,
 * never real ones.
 */
export const BENCH_API_KEY = "bench-api-key";
export const BENCH_API_SECRET = "bench-api-secret";

export const productionEnv = {
  NODE_ENV: "production",
  SHOPIFY_API_KEY: BENCH_API_KEY,
  SHOPIFY_API_SECRET: BENCH_API_SECRET,
  SHOPIFY_APP_URL: "https://recur.bench.invalid",
} as const;
