/**
 * Where a benchmark's time went, on request (BENCH_PROFILE=<directory>): the worker processes run
 * with `--cpu-prof` into that directory (summarized by cpu-profile-summary.ts when they exit), and
 * the embedded PostgreSQL loads pg_stat_statements, whose top statements by total time are printed
 * and written next to the profiles. Off by default: profiling costs time of its own.
 */
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type pg from "pg";
import { summarize } from "./cpu-profile-summary.ts";

export const PROFILE_DIR = process.env.BENCH_PROFILE
  ? path.resolve(process.env.BENCH_PROFILE)
  : undefined;

/** Server settings for startBenchDatabase. */
export function profileSettings(): Record<string, string> {
  return PROFILE_DIR
    ? { shared_preload_libraries: "pg_stat_statements", "pg_stat_statements.track": "all" }
    : {};
}

/** Node flags for a profiled child (before its script). */
export function profileArgs(name: string): string[] {
  if (!PROFILE_DIR) return [];
  mkdirSync(PROFILE_DIR, { recursive: true });
  return ["--cpu-prof", `--cpu-prof-dir=${PROFILE_DIR}`, `--cpu-prof-name=${name}.cpuprofile`];
}

/** Clears the statement statistics (the start of the phase to profile). */
export async function resetStatements(db: pg.Client | pg.Pool): Promise<void> {
  if (!PROFILE_DIR) return;
  await db.query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
  await db.query("SELECT pg_stat_statements_reset()");
  await db.query("SELECT pg_stat_reset(), pg_stat_reset_shared('wal')");
}

/**
 * Rows written per table since resetStatements, with how many updates were HOT (no index entries
 * written: the new version fits its page and no indexed column changed), and the WAL written.
 */
async function tableWrites(db: pg.Client | pg.Pool, units?: number): Promise<string[]> {
  const { rows } = await db.query<{
    relname: string;
    ins: string;
    upd: string;
    hot: string;
    del: string;
  }>(
    `SELECT relname, n_tup_ins::text AS ins, n_tup_upd::text AS upd, n_tup_hot_upd::text AS hot,
            n_tup_del::text AS del
     FROM pg_stat_user_tables WHERE n_tup_ins + n_tup_upd + n_tup_del > 0
     ORDER BY n_tup_ins + n_tup_upd + n_tup_del DESC LIMIT 12`,
  );
  const { rows: wal } = await db.query<{ records: string; bytes: string; fpi: string }>(
    "SELECT wal_records::text AS records, wal_bytes::text AS bytes, wal_fpi::text AS fpi FROM pg_stat_wal",
  );
  // pg_stat_user_tables is fed by each backend as its transactions end (at most once a second).
  return [
    `table writes: table, inserted, updated (of which HOT), deleted`,
    ...rows.map((r) => `${r.relname}\t${r.ins}\t${r.upd} (${r.hot} HOT)\t${r.del}`),
    `WAL: ${wal[0]!.records} records, ${(Number(wal[0]!.bytes) / 2 ** 20).toFixed(1)} MiB, ${wal[0]!.fpi} full-page images` +
      (units ? `; per unit ${(Number(wal[0]!.bytes) / units).toFixed(0)} bytes` : ""),
  ];
}

/**
 * Top-level statements since resetStatements (each one round trip, but for a simple query that
 * holds several, such as BEGIN with its SET LOCALs), per `unit` of work (a delivery): how many and
 * how long PostgreSQL spent executing them. Statements run inside functions are not counted twice.
 */
async function statementsPerUnit(db: pg.Client | pg.Pool, units: number): Promise<string> {
  const { rows } = await db.query<{ calls: number; ms: number }>(
    `SELECT coalesce(sum(calls), 0)::float AS calls, coalesce(sum(total_exec_time), 0)::float AS ms
     FROM pg_stat_statements
     WHERE toplevel AND dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
       AND query NOT LIKE '%pg_stat_statements%'`,
  );
  const { calls, ms } = rows[0]!;
  return `top-level statements per unit (${units}): ${(calls / units).toFixed(2)}, executing ${(ms / units).toFixed(3)} ms`;
}

/**
 * Prints the top statements since resetStatements, and every CPU profile written so far; with
 * `units`, also the top-level statements per unit (statementsPerUnit).
 */
export async function reportProfile(
  db: pg.Client | pg.Pool,
  label: string,
  units?: number,
): Promise<void> {
  if (!PROFILE_DIR) return;
  const { rows } = await db.query<{
    calls: string;
    total_ms: number;
    mean_ms: number;
    share: number;
    query: string;
  }>(
    `SELECT calls::text, round(total_exec_time::numeric, 0)::float AS total_ms,
            round(mean_exec_time::numeric, 3)::float AS mean_ms,
            round((100 * total_exec_time / sum(total_exec_time) OVER ())::numeric, 1)::float AS share,
            CASE WHEN toplevel THEN '' ELSE '(nested) ' END || regexp_replace(query, '\\s+', ' ', 'g') AS query
     FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
     ORDER BY total_exec_time DESC LIMIT 25`,
  );
  const lines = [
    ...(units ? [await statementsPerUnit(db, units)] : []),
    `pg_stat_statements, ${label}: calls, total ms, mean ms, share of the statements' time`,
    ...rows.map(
      (r) => `${r.calls}\t${r.total_ms}\t${r.mean_ms}\t${r.share}%\t${r.query.slice(0, 220)}`,
    ),
    "",
    ...(await tableWrites(db, units)),
  ];
  for (const file of readdirSync(PROFILE_DIR).filter((f) => f.endsWith(".cpuprofile"))) {
    lines.push("", `CPU profile ${file}:`, summarize(path.join(PROFILE_DIR, file), 30));
  }
  const text = lines.join("\n");
  console.log(text);
  writeFileSync(path.join(PROFILE_DIR, `${label}.txt`), `${text}\n`);
}
