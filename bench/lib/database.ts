/**
 * A PostgreSQL for benchmarks: DATABASE_URL's server when set (a scratch database is made on it),
 * otherwise a throwaway embedded cluster under .data/bench with PostgreSQL's default settings
 * (durable commits, as in production). Migrated with the real migrations.
 */
import { rm } from "node:fs/promises";
import path from "node:path";
import { runMigrations } from "graphile-worker";
import pg from "pg";
import {
  ensureDatabase,
  PROJECT_ROOT,
  startEmbeddedPostgres,
} from "../../scripts/lib/embedded-postgres.ts";
import { freePort } from "../../scripts/lib/ports.ts";
import { migrateDeploy } from "../../scripts/lib/prisma.ts";

export interface BenchDatabase {
  url: string;
  stop(): Promise<void>;
}

/**
 * `settings` are `postgres -c` settings of the embedded cluster (ignored with DATABASE_URL), e.g.
 * `shared_preload_libraries: "pg_stat_statements"` for a profile.
 */
export async function startBenchDatabase(
  name: string,
  settings: Record<string, string | number> = {},
): Promise<BenchDatabase> {
  let url: string;
  let stopServer = async () => {};
  if (process.env.DATABASE_URL) {
    const admin = new URL(process.env.DATABASE_URL);
    admin.pathname = "/postgres";
    const database = `recur_bench_${name}_${process.pid}`;
    const client = new pg.Client({ connectionString: admin.href });
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS ${database}`);
    await client.end();
    await ensureDatabase(admin.href, database);
    const target = new URL(admin.href);
    target.pathname = `/${database}`;
    url = target.href;
    stopServer = async () => {
      const cleanup = new pg.Client({ connectionString: admin.href });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await cleanup.end();
    };
  } else {
    const dir = path.join(PROJECT_ROOT, ".data", `bench-${name}-${process.pid}`);
    const postgres = await startEmbeddedPostgres({
      dir,
      port: await freePort(),
      database: "recur",
      ephemeral: true,
      // BENCH_POSTGRES_SETTINGS: extra `postgres -c` settings as JSON, added to the caller's, e.g.
      // to profile with auto_explain ({"shared_preload_libraries": "auto_explain", ...}).
      settings: {
        ...settings,
        ...(JSON.parse(process.env.BENCH_POSTGRES_SETTINGS ?? "{}") as Record<string, string>),
      },
    });
    url = postgres.url;
    stopServer = async () => {
      await postgres.stop();
      await rm(postgres.dir, { recursive: true, force: true });
    };
  }
  await migrateDeploy(url);
  await runMigrations({ connectionString: url });
  return { url, stop: stopServer };
}
