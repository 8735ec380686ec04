import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../scripts/lib/embedded-postgres.ts";
import { migrateDeploy, runPrismaOutput } from "../../scripts/lib/prisma.ts";
import { describeSchema } from "../support/database-catalog.ts";
import {
  createScratchDatabase,
  databaseUrl,
  dropScratchDatabase,
  withClient,
} from "../support/database.ts";

const migrationsDir = path.join(PROJECT_ROOT, "prisma", "migrations");

/** Objects the migrations create by hand because Prisma's schema language cannot express them. */
const ONLY_IN_MIGRATIONS = [
  `index CREATE UNIQUE INDEX sync_runs_one_running_per_shop_entity ON public.sync_runs USING btree (shop_id, entity) WHERE (status = 'running'::sync_run_status)`,
  `index CREATE UNIQUE INDEX webhook_deliveries_one_processed_per_event ON public.webhook_deliveries USING btree (shop_domain, event_id) WHERE ((status = 'processed'::delivery_status) AND (event_id IS NOT NULL))`,
  `index CREATE INDEX customers_redacted_idx ON public.customers USING btree (shop_id) WHERE (redacted_at IS NOT NULL)`,
  `index CREATE INDEX orders_redacted_idx ON public.orders USING btree (shop_id) WHERE (redacted_at IS NOT NULL)`,
  `index CREATE INDEX webhook_deliveries_retention_idx ON public.webhook_deliveries USING btree (COALESCE(processed_at, received_at)) WHERE ((personal_data_removed_at IS NULL) AND (status <> ALL (ARRAY['received'::delivery_status, 'processing'::delivery_status, 'dead_letter'::delivery_status])))`,
  `index CREATE INDEX customers_admin_search_text_idx ON public.customers USING gin ((((((COALESCE(first_name, ''::text) || ' '::text) || COALESCE(last_name, ''::text)) || ' '::text) || COALESCE(email, ''::text))) gin_trgm_ops)`,
  `index CREATE INDEX orders_rfm_eligible_idx ON public.orders USING btree (shop_id, customer_shopify_id) INCLUDE (processed_at, shopify_created_at, current_total_price) WHERE ((deleted_at IS NULL) AND (customer_shopify_id IS NOT NULL) AND (cancelled_at IS NULL) AND (test IS NOT TRUE) AND (financial_status IS DISTINCT FROM 'VOIDED'::text))`,
  // A live order with a customer is one Shopify described (docs/decisions/076).
  `constraint orders orders_live_with_customer_described CHECK (((shopify_updated_at IS NOT NULL) OR (deleted_at IS NOT NULL) OR (customer_shopify_id IS NULL)))`,
  `index CREATE INDEX customers_rfm_live_idx ON public.customers USING btree (shop_id, shopify_id) WHERE ((deleted_at IS NULL) AND (shopify_updated_at IS NOT NULL) AND (redacted_at IS NULL))`,
  // Leaner RFM indexes (docs/decisions/082): scored customers only, and moves only.
  `index CREATE INDEX customer_rfm_segment_monetary_idx ON public.customer_rfm_scores USING btree (shop_id, segment, monetary, customer_shopify_id) WHERE (monetary IS NOT NULL)`,
  `index CREATE INDEX rfm_segment_changes_moves_idx ON public.rfm_segment_changes USING btree (shop_id, changed_at) WHERE (from_segment IS NOT NULL)`,
  // The view customer_rfm over customer_rfm_scores (decision 060): its columns.
  `column customer_rfm.as_of timestamp with time zone(6) nullable=YES default=-`,
  `column customer_rfm.customer_shopify_id numeric(20,0) nullable=YES default=-`,
  `column customer_rfm.f smallint(16,0) nullable=YES default=-`,
  `column customer_rfm.fm smallint(16,0) nullable=YES default=-`,
  `column customer_rfm.frequency integer(32,0) nullable=YES default=-`,
  `column customer_rfm.last_order_at timestamp with time zone(6) nullable=YES default=-`,
  `column customer_rfm.m smallint(16,0) nullable=YES default=-`,
  `column customer_rfm.monetary numeric(20,4) nullable=YES default=-`,
  `column customer_rfm.r smallint(16,0) nullable=YES default=-`,
  `column customer_rfm.recency_days integer(32,0) nullable=YES default=-`,
  `column customer_rfm.rule_set text nullable=YES default=-`,
  `column customer_rfm.segment text nullable=YES default=-`,
  `column customer_rfm.shop_id integer(32,0) nullable=YES default=-`,
  `column customer_rfm.updated_at timestamp with time zone(6) nullable=YES default=-`,
];

const scratch: string[] = [];
afterAll(async () => {
  await Promise.all(scratch.map(dropScratchDatabase));
});

describe("migrations", () => {
  it("apply to an empty database and record themselves as prisma migrate deploy does", async () => {
    const name = await createScratchDatabase();
    scratch.push(name);
    await migrateDeploy(databaseUrl(name));

    const migrations = (await readdir(migrationsDir, { withFileTypes: true }))
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
    const expected = await Promise.all(
      migrations.map(async (migration) => ({
        migration_name: migration,
        checksum: createHash("sha256")
          .update(await readFile(path.join(migrationsDir, migration, "migration.sql")))
          .digest("hex"),
      })),
    );

    const rows = await withClient(databaseUrl(name), async (client) => {
      const result = await client.query(
        `SELECT migration_name, checksum, finished_at IS NOT NULL AS finished,
                rolled_back_at IS NULL AS not_rolled_back, applied_steps_count, logs
           FROM _prisma_migrations ORDER BY migration_name`,
      );
      return result.rows;
    });
    expect(rows).toEqual(
      expected.map((migration) => ({
        ...migration,
        finished: true,
        not_rolled_back: true,
        applied_steps_count: 1,
        logs: null,
      })),
    );
  });

  it("build the same database as prisma/schema.prisma describes (no drift)", async () => {
    // What schema.prisma alone would create, rendered by Prisma itself.
    const fromSchema = await createScratchDatabase();
    scratch.push(fromSchema);
    const script = await runPrismaOutput(
      [
        "migrate",
        "diff",
        "--from-empty",
        "--to-schema-datamodel",
        "prisma/schema.prisma",
        "--script",
      ],
      databaseUrl(fromSchema),
    );
    await withClient(databaseUrl(fromSchema), (client) => client.query(script));

    // What the migrations created: the per-file database was cloned from the migrated template.
    const fromMigrations = await createScratchDatabase({ fromTemplate: true });
    scratch.push(fromMigrations);

    const schemaCatalog = await withClient(databaseUrl(fromSchema), describeSchema);
    const migrationsCatalog = (
      await withClient(databaseUrl(fromMigrations), describeSchema)
    ).filter((line) => !line.includes("_prisma_migrations") && !ONLY_IN_MIGRATIONS.includes(line));
    expect(migrationsCatalog).toEqual(schemaCatalog);
    // The hand-written objects are really there.
    const all = await withClient(databaseUrl(fromMigrations), describeSchema);
    for (const line of ONLY_IN_MIGRATIONS) expect(all).toContain(line);
  });
});
