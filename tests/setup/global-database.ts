/**
 * Vitest global setup: one PostgreSQL for the whole run, and a template database migrated once
 * with the real migrations (prisma migrate deploy + graphile-worker's schema). Each test file then
 * gets its own database created from the template (tests/setup/database-per-file.ts).
 *
 * DATABASE_URL, when set, names the server to use (a scratch database is made on it); otherwise
 * a throwaway embedded PostgreSQL is started under .data/ (or where scripts/lib/
 * embedded-postgres-placement.ts places it), removed when it stops.
 */
import path from "node:path";
import { runMigrations } from "graphile-worker";
import pg from "pg";
import type { TestProject } from "vitest/node";
import {
  PROJECT_ROOT,
  startEmbeddedPostgres,
  type RunningPostgres,
} from "../../scripts/lib/embedded-postgres.ts";
import { freePort } from "../../scripts/lib/ports.ts";
import { migrateDeploy } from "../../scripts/lib/prisma.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** Connection string of the server's maintenance database, for CREATE/DROP DATABASE. */
    adminDatabaseUrl: string;
    templateDatabase: string;
  }
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.href;
}

export default async function setup(project: TestProject) {
  // Each project that uses this setup (integration, e2e) runs it in the same process: names carry
  // the project's name too, so their servers and templates do not collide.
  const run = `${process.pid}_${project.name.replace(/[^a-z0-9]/gi, "_")}`;
  const templateDatabase = `recur_test_template_${run}`.toLowerCase();
  let postgres: RunningPostgres | undefined;
  let adminUrl: string;

  if (process.env.DATABASE_URL) {
    adminUrl = withDatabase(process.env.DATABASE_URL, "postgres");
  } else {
    postgres = await startEmbeddedPostgres({
      dir: path.join(PROJECT_ROOT, ".data", `test-${run}`),
      port: await freePort(),
      database: "postgres",
      ephemeral: true,
      // A throwaway cluster: durability buys nothing here.
      settings: {
        fsync: "off",
        synchronous_commit: "off",
        full_page_writes: "off",
        max_connections: 300,
      },
    });
    adminUrl = postgres.adminUrl;
  }

  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${templateDatabase}`);
  await admin.query(`CREATE DATABASE ${templateDatabase}`);
  const templateUrl = withDatabase(adminUrl, templateDatabase);
  await migrateDeploy(templateUrl);
  await runMigrations({ connectionString: templateUrl });

  project.provide("adminDatabaseUrl", adminUrl);
  project.provide("templateDatabase", templateDatabase);

  return async () => {
    await admin.query(`DROP DATABASE IF EXISTS ${templateDatabase} WITH (FORCE)`);
    await admin.end();
    // An ephemeral cluster removes its data directory when it stops.
    await postgres?.stop();
  };
}
