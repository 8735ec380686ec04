/**
 * Runs before each test file: creates the file's own database from the migrated template and
 * points the app's environment at it. After the file, checks that no pool client was left checked
 * out, closes the app's pool and drops the database.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, inject } from "vitest";

const adminUrl = inject("adminDatabaseUrl");
const database = `recur_test_${randomBytes(6).toString("hex")}`;

const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
await admin.query(`CREATE DATABASE ${database} TEMPLATE ${inject("templateDatabase")}`);
await admin.end();

const url = new URL(adminUrl);
url.pathname = `/${database}`;

// What the app reads at boot (app/env.server.ts). Test-only values; never real credentials.
Object.assign(process.env, {
  NODE_ENV: "test",
  DATABASE_URL: url.href,
  SHOPIFY_API_KEY: "recur-test-api-key",
  SHOPIFY_API_SECRET: "recur-test-api-secret",
  SHOPIFY_APP_URL: "http://localhost:3000",
  LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
  // A test process is web and worker at once, and seeds large tables through the web's pool: the
  // web's statement timeout (10 s) would cut a worker's ingest or a seed on a loaded machine.
  // tests/integration/intake-limits.test.ts checks the timeouts themselves.
  WEB_STATEMENT_TIMEOUT_MS: "600000",
});

afterAll(async () => {
  const pool = (globalThis as { recurPool?: pg.Pool }).recurPool;
  if (pool) {
    // A query still in flight (say, a library's start-up check) may finish; a leak does not.
    const deadline = Date.now() + 5000;
    while (pool.totalCount - pool.idleCount > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const checkedOut = pool.totalCount - pool.idleCount;
    await pool.end();
    if (checkedOut > 0) {
      throw new Error(`${checkedOut} database client(s) were still checked out after the tests`);
    }
  }
  await (globalThis as { recurWebhookPool?: pg.Pool }).recurWebhookPool?.end();
  const cleanup = new pg.Client({ connectionString: adminUrl });
  await cleanup.connect();
  await cleanup.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await cleanup.end();
});
