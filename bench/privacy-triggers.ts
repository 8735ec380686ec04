/**
 * What the personal-data triggers (docs/decisions/037) cost where they run most: settling a
 * delivery. 5 rounds each way, alternating, in one run, for a shop without any redaction (the common
 * case) and for one with a tenth of its customers redacted (every settle reads the payload; a tenth
 * are scrubbed): N deliveries settled one statement each (as settle() does) with the
 * webhook_deliveries_scrub_erased trigger enabled, and with it disabled.
 * `node_modules/.bin/node bench/privacy-triggers.ts` (prints; docs/benchmarks.md is not written).
 */
import { randomUUID } from "node:crypto";
import pg from "pg";
import { restCustomer } from "../tests/support/payloads.ts";
import { startBenchDatabase } from "./lib/database.ts";

const N = Number(process.env.BENCH_DELIVERIES ?? 5000);
const CLEAN = "clean.myshopify.com";
const REDACTED = "redacted.myshopify.com";
const database = await startBenchDatabase("privacy-triggers");
const db = new pg.Client({ connectionString: database.url });
await db.connect();
// As the worker's delivery transactions (delivery-task.server.ts): the commit does not wait for the
// disk, so the figure is the statements' cost, not the flush's.
await db.query("SET synchronous_commit = off");

async function round(shop: string, trigger: boolean): Promise<number> {
  await db.query(
    `ALTER TABLE webhook_deliveries ${trigger ? "ENABLE" : "DISABLE"} TRIGGER webhook_deliveries_scrub_erased`,
  );
  const ids = Array.from({ length: N }, () => randomUUID());
  await db.query(
    `INSERT INTO webhook_deliveries (id, topic, shop_domain, api_version, payload, status)
     SELECT id, 'customers/update', $1, '2026-10', $3::jsonb || jsonb_build_object('id', 1 + ord % 2000), 'processing'
     FROM unnest($2::text[]) WITH ORDINALITY AS t(id, ord)`,
    [shop, ids, JSON.stringify(restCustomer(1, new Date().toISOString()))],
  );
  await db.query("VACUUM ANALYZE webhook_deliveries");
  const started = performance.now();
  for (const id of ids) {
    await db.query({
      name: "settle",
      text: "UPDATE webhook_deliveries SET status = $2::delivery_status, last_error = $3, processed_at = now() WHERE id = $1",
      values: [id, "processed", null],
    });
  }
  return N / ((performance.now() - started) / 1000);
}

try {
  for (const shop of [CLEAN, REDACTED]) {
    const { rows } = await db.query<{ id: number }>(
      "INSERT INTO shops (domain) VALUES ($1) RETURNING id",
      [shop],
    );
    // The shop with redactions has a tenth of its customers erased; the other has none.
    await db.query(
      `INSERT INTO customers (shop_id, shopify_id, email, redacted_at)
       SELECT $1, n, 'c' || n || '@example.com', CASE WHEN $2 AND n % 10 = 0 THEN now() END
       FROM generate_series(1, 2000) AS n`,
      [rows[0]!.id, shop === REDACTED],
    );
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;
  const fmt = (values: number[]) => values.map((v) => Math.round(v)).join(", ");
  console.log(`settles per second, ${N} per round, one statement each, 5 rounds each, alternating`);
  for (const shop of [CLEAN, REDACTED]) {
    const on: number[] = [];
    const off: number[] = [];
    for (let i = 0; i < 5; i++) {
      off.push(await round(shop, false));
      on.push(await round(shop, true));
    }
    console.log(`${shop}`);
    console.log(`  trigger disabled: ${fmt(off)} (median ${Math.round(median(off))})`);
    console.log(`  trigger enabled:  ${fmt(on)} (median ${Math.round(median(on))})`);
  }
  const { rows: scrubbed } = await db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM webhook_deliveries WHERE personal_data_removed_at IS NOT NULL",
  );
  console.log(`deliveries scrubbed by the trigger: ${scrubbed[0]!.n} (expected ${(N / 10) * 5})`);
} finally {
  await db.end();
  await database.stop();
}
