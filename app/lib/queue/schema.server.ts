/** Installs or upgrades graphile-worker's own schema, so the web process can queue jobs with SQL. */
import { runMigrations } from "graphile-worker";
import type pg from "pg";

export async function installQueueSchema(pool: pg.Pool): Promise<void> {
  await runMigrations({ pgPool: pool });
}
