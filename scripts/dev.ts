/**
 * `npm run dev:web`: what `shopify app dev` runs (shopify.web.toml) against a real development
 * store. Starts the embedded PostgreSQL unless DATABASE_URL is set, applies the migrations, then
 * runs Vite's dev server and the worker (restarted when its files change). Shopify CLI provides
 * SHOPIFY_API_KEY, SHOPIFY_API_SECRET, SHOPIFY_APP_URL and PORT (without it, development credentials
 * and http://localhost:3000). The processes run with NODE_ENV=development.
 */
import path from "node:path";
import { runMigrations } from "graphile-worker";
import { DEFAULT_EMBEDDED, PROJECT_ROOT, startEmbeddedPostgres } from "./lib/embedded-postgres.ts";
import { migrateDeploy } from "./lib/prisma.ts";
import { startChild, type Child } from "./lib/stack.ts";

const children: Child[] = [];
let postgres: Awaited<ReturnType<typeof startEmbeddedPostgres>> | undefined;

async function stop(code: number) {
  await Promise.allSettled(children.map((child) => child.stop("SIGTERM")));
  await postgres?.stop();
  process.exit(code);
}
process.on("SIGINT", () => void stop(0));
process.on("SIGTERM", () => void stop(0));

let databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) {
  postgres = await startEmbeddedPostgres(DEFAULT_EMBEDDED);
  databaseUrl = postgres.url;
}
await migrateDeploy(databaseUrl);
await runMigrations({ connectionString: databaseUrl });

// Shopify CLI sets the app's credentials; without it (Vite alone), development values.
const env = {
  DATABASE_URL: databaseUrl,
  NODE_ENV: "development",
  SHOPIFY_API_KEY: process.env.SHOPIFY_API_KEY ?? "recur-dev-api-key",
  SHOPIFY_API_SECRET: process.env.SHOPIFY_API_SECRET ?? "recur-dev-api-secret",
};
const remix = path.join(PROJECT_ROOT, "node_modules", "@remix-run", "dev", "dist", "cli.js");
children.push(startChild({ name: "web", args: [remix, "vite:dev"], env }));
children.push(
  startChild({
    name: "worker",
    args: ["--watch-path=app", "--watch-path=worker.ts", "worker.ts"],
    env,
  }),
);
for (const child of children) void child.exited.then(() => stop(1));
