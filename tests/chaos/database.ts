/**
 * The chaos run's PostgreSQL: an embedded cluster of its own (restartable), or a scratch database
 * on DATABASE_URL's server. Migrated with the real migrations, like the demo.
 */
import { rm } from "node:fs/promises";
import { runMigrations } from "graphile-worker";
import pg from "pg";
import {
  ensureDatabase,
  startEmbeddedPostgres,
  type RunningPostgres,
} from "../../scripts/lib/embedded-postgres.ts";
import { freePort } from "../../scripts/lib/ports.ts";
import { migrateDeploy } from "../../scripts/lib/prisma.ts";

export interface ChaosDatabase {
  url: string;
  /** What `restart()` does, for the report. */
  restartKind: "restart" | "connections cut";
  /**
   * Stops PostgreSQL (fast shutdown: every session is terminated), waits `downMs`, starts it
   * again. Resolves with when it went down and when it accepted connections again. On an external
   * server it terminates every connection to the run's database instead.
   */
  restart(downMs: number): Promise<{ downAt: number; upAt: number }>;
  /** Stops and removes what the run created (unless kept). */
  close(options: { keep: boolean }): Promise<void>;
}

const SETTINGS = {
  // Throwaway data: durability against an OS crash buys nothing here. A PostgreSQL restart keeps
  // every committed transaction all the same (the WAL is written; only fsync is skipped).
  fsync: "off",
  full_page_writes: "off",
  max_connections: 200,
};

async function migrate(url: string) {
  await migrateDeploy(url);
  await runMigrations({ connectionString: url });
}

export async function openDatabase(runDir: string): Promise<ChaosDatabase> {
  const external = process.env.DATABASE_URL;
  if (external) {
    const database = `recur_chaos_${process.pid}`;
    const admin = new URL(external);
    admin.pathname = "/postgres";
    await ensureDatabase(admin.href, database);
    const url = new URL(external);
    url.pathname = `/${database}`;
    await migrate(url.href);
    return {
      url: url.href,
      restartKind: "connections cut",
      async restart() {
        const downAt = Date.now();
        const client = new pg.Client({ connectionString: admin.href });
        await client.connect();
        try {
          await client.query(
            `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
             WHERE datname = $1 AND pid <> pg_backend_pid()`,
            [database],
          );
        } finally {
          await client.end();
        }
        return { downAt, upAt: Date.now() };
      },
      async close({ keep }) {
        if (keep) return;
        const client = new pg.Client({ connectionString: admin.href });
        await client.connect();
        try {
          await client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
        } finally {
          await client.end();
        }
      },
    };
  }

  const dir = `${runDir}/postgres`;
  const port = await freePort();
  const start = () => startEmbeddedPostgres({ dir, port, database: "recur", settings: SETTINGS });
  let running: RunningPostgres | undefined = await start();
  // Where the cluster really is (not under runDir for root in a private directory).
  const placedDir = running.dir;
  const url = running.url;
  await migrate(url);
  return {
    url,
    restartKind: "restart",
    async restart(downMs) {
      const downAt = Date.now();
      await running?.stop();
      running = undefined;
      await new Promise((resolve) => setTimeout(resolve, downMs));
      running = await start();
      return { downAt, upAt: Date.now() };
    },
    async close({ keep }) {
      await running?.stop();
      running = undefined;
      if (!keep) await rm(placedDir, { recursive: true, force: true });
    },
  };
}
