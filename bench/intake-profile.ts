/**
 * Where one web process's intake time goes (`node bench/intake-profile.ts`): the built app
 * (server.ts, with `--cpu-prof`) loaded as bench/intake.ts loads it (32 connections), against an
 * embedded PostgreSQL with pg_stat_statements (nested statements too) and WAL I/O timing. Prints:
 *
 * - accepted/s and latency of the load;
 * - how many deliveries a statement held (calls and rows of the intake's statements);
 * - what the intake's backends were doing, sampled from pg_stat_activity every few ms (on CPU,
 *   waiting for the WAL flush, for the notify lock, or idle waiting for the web process);
 * - WAL flushes (count and time) against the statements' time;
 * - the top statements by time (the insert, add_jobs and the statements inside it);
 * - EXPLAIN (ANALYZE, BUFFERS) of the batched statement at the batch size measured, rolled back;
 * - the web process's CPU profile summary (bench/lib/cpu-profile-summary.ts).
 *
 * Knobs: BENCH_SECONDS (10), BENCH_CONNECTIONS (32), BENCH_CPU_PROF_DIR (a temporary directory).
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdtemp, readdir } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { buildIfStale, startChild, waitForHttp } from "../scripts/lib/stack.ts";
import { productionEnv } from "./lib/app-env.ts";
import { summarize } from "./lib/cpu-profile-summary.ts";
import { startBenchDatabase } from "./lib/database.ts";
import { body, installBenchShop, load, SHOP, summary } from "./lib/intake-load.ts";
import { freePort } from "./lib/processes.ts";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const profileDir =
  process.env.BENCH_CPU_PROF_DIR ?? (await mkdtemp(path.join(os.tmpdir(), "intake-prof-")));

const database = await startBenchDatabase("intake-profile", {
  shared_preload_libraries: "pg_stat_statements",
  "pg_stat_statements.track": "all",
  track_io_timing: "on",
  track_wal_io_timing: "on",
});
const db = new pg.Client({ connectionString: database.url });
await db.connect();
await db.query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
await buildIfStale();
const port = await freePort();
const web = startChild({
  name: "web",
  args: ["--cpu-prof", `--cpu-prof-dir=${profileDir}`, "server.ts"],
  env: { ...productionEnv, DATABASE_URL: database.url, PORT: String(port), LOG_LEVEL: "info" },
  onLine: () => {},
});

/** pg_stat_activity of the intake's connections, sampled until `stop` resolves. */
async function sampleActivity(stop: Promise<unknown>) {
  const sampler = new pg.Client({ connectionString: database.url });
  await sampler.connect();
  const counts = new Map<string, number>();
  let samples = 0;
  let done = false;
  void stop.then(() => (done = true));
  while (!done) {
    const { rows } = await sampler.query<{ what: string }>(
      `SELECT CASE WHEN state = 'active' THEN coalesce(wait_event_type || ':' || wait_event, 'on CPU')
                   ELSE state || coalesce(' (' || wait_event || ')', '') END AS what
         FROM pg_stat_activity WHERE application_name LIKE 'recur-webhooks:%'`,
    );
    samples++;
    for (const row of rows) counts.set(row.what, (counts.get(row.what) ?? 0) + 1);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await sampler.end();
  return { samples, counts };
}

/** CPU time (user + system, ms) of a process, from /proc; with `children`, of its reaped children too. */
function cpuMs(pid: number, children = false): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    const ticks = [11, 12, ...(children ? [13, 14] : [])].reduce(
      (sum, i) => sum + Number(fields[i]),
      0,
    );
    return (ticks * 1000) / CLOCK_TICKS;
  } catch {
    return 0; // exited
  }
}
const CLOCK_TICKS = 100;

/**
 * CPU time of PostgreSQL: the postmaster with its reaped children (backends that exited) and its
 * live children (backends, background processes).
 */
async function postgresCpu(): Promise<number> {
  const { rows } = await db.query<{ dir: string }>(
    "SELECT current_setting('data_directory') AS dir",
  );
  const postmaster = Number(
    readFileSync(path.join(rows[0]!.dir, "postmaster.pid"), "utf8").split("\n")[0],
  );
  const live = readFileSync(`/proc/${postmaster}/task/${postmaster}/children`, "utf8")
    .split(" ")
    .filter(Boolean)
    .map(Number);
  return live.reduce((sum, pid) => sum + cpuMs(pid), cpuMs(postmaster, true));
}

const walIo = async () =>
  (
    await db.query<{ writes: number; fsyncs: number; write_ms: number; fsync_ms: number }>(
      `SELECT sum(writes)::float8 AS writes, sum(fsyncs)::float8 AS fsyncs,
              sum(write_time)::float8 AS write_ms, sum(fsync_time)::float8 AS fsync_ms
         FROM pg_stat_io WHERE object = 'wal'`,
    )
  ).rows[0]!;

try {
  await installBenchShop(db);
  await waitForHttp(`http://127.0.0.1:${port}/healthz`);
  await load(`http://127.0.0.1:${port}`, { connections: 8, seconds: 3 }); // warm-up
  await db.query("SELECT pg_stat_statements_reset()");
  const walBefore = await walIo();
  const webCpuBefore = cpuMs(web.process.pid!);
  const postgresBefore = await postgresCpu();
  const loaded = load(`http://127.0.0.1:${port}`, { connections: CONNECTIONS, seconds: SECONDS });
  const [result, activity] = await Promise.all([loaded, sampleActivity(loaded)]);
  const walAfter = await walIo();
  const webCpu = cpuMs(web.process.pid!) - webCpuBefore;
  const postgresCpuMs = (await postgresCpu()) - postgresBefore;
  const run = summary(result);
  console.log(
    `\n${CONNECTIONS} connections, ${SECONDS} s: ${run.perSecond.toFixed(0)} accepted/s, p50 ${run.p50} ms, p99 ${run.p99} ms, others ${run.others}`,
  );
  console.log(
    `CPU per accepted delivery: web process ${((1000 * webCpu) / run.accepted).toFixed(0)} µs, PostgreSQL ${((1000 * postgresCpuMs) / run.accepted).toFixed(0)} µs (all its processes; load average ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")})`,
  );

  const { rows: statements } = await db.query<{
    query: string;
    toplevel: boolean;
    calls: number;
    rows: number;
    total: number;
    mean: number;
  }>(
    `SELECT query, toplevel, calls::float8 AS calls, rows::float8 AS rows,
            total_exec_time::float8 AS total, mean_exec_time::float8 AS mean
       FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 14`,
  );
  const intake = statements.filter((s) => s.toplevel && /webhook_deliveries/.test(s.query));
  console.log("\nthe intake's statements (top level):");
  for (const s of intake) {
    console.log(
      `  ${s.calls} calls, ${s.rows} rows (${(s.rows / s.calls).toFixed(1)} deliveries each), mean ${s.mean.toFixed(2)} ms, total ${(s.total / 1000).toFixed(2)} s: ${s.query.replace(/\s+/g, " ").slice(0, 70)}…`,
    );
  }
  const commits = intake.reduce((n, s) => n + s.calls, 0);
  const fsyncs = walAfter.fsyncs - walBefore.fsyncs;
  const fsyncMs = walAfter.fsync_ms - walBefore.fsync_ms;
  console.log(
    `\nWAL during the load: ${fsyncs} flushes (${(fsyncs / SECONDS).toFixed(0)}/s, mean ${(fsyncMs / fsyncs).toFixed(2)} ms, total ${(fsyncMs / 1000).toFixed(2)} s), writes ${(walAfter.writes - walBefore.writes).toFixed(0)} (${((walAfter.write_ms - walBefore.write_ms) / 1000).toFixed(2)} s); ${commits} intake statements`,
  );

  console.log(`\nthe intake's backends, ${activity.samples} samples of pg_stat_activity:`);
  const total = [...activity.counts.values()].reduce((a, b) => a + b, 0);
  for (const [what, n] of [...activity.counts].sort((a, b) => b[1] - a[1])) {
    console.log(
      `  ${((100 * n) / total).toFixed(1).padStart(5)} %  ${what}  (${(n / activity.samples).toFixed(2)} backends on average)`,
    );
  }

  console.log("\ntop statements by execution time (nested included):");
  for (const s of statements) {
    console.log(
      `  ${(s.total / 1000).toFixed(2).padStart(6)} s  ${String(s.calls).padStart(7)} calls  mean ${s.mean.toFixed(3)} ms  ${s.toplevel ? "top" : "nested"}  ${s.query.replace(/\s+/g, " ").slice(0, 90)}`,
    );
  }

  // The batched statement at the batch size measured, with fresh deliveries, rolled back, planned
  // as the intake's connections plan it (generic plans: docs/decisions/077). Its text is the
  // intake's own: pg_stat_statements shows it with its constants as parameters.
  const many = intake.find((s) => s.query.includes("unnest($1::text[]"));
  Object.assign(process.env, productionEnv, { DATABASE_URL: database.url });
  const { RECORD_AND_QUEUE_MANY } = await import("../app/lib/webhooks/record.server.ts");
  if (many) {
    const size = Math.max(2, Math.round(many.rows / many.calls));
    const ids = Array.from({ length: size }, () => randomUUID());
    const column = <T>(value: T) => ids.map(() => value);
    const values = [
      ids,
      ids.map(() => randomUUID()),
      column("orders/updated"),
      column(SHOP),
      column("2026-10"),
      column(null),
      column(new Date()),
      // The bodies as one JSON array in bytes (docs/decisions/056).
      Buffer.from(`[${column(body).join(",")}]`),
      column("orders.upsert"),
      column(null),
      column(0),
      10,
    ];
    await db.query("BEGIN; SET LOCAL plan_cache_mode = force_generic_plan");
    const { rows } = await db.query<{ "QUERY PLAN": string }>(
      `EXPLAIN (ANALYZE, BUFFERS) ${RECORD_AND_QUEUE_MANY}`,
      values,
    );
    await db.query("ROLLBACK");
    console.log(`\nEXPLAIN (ANALYZE, BUFFERS) of the batched statement, ${size} deliveries:`);
    for (const row of rows) console.log(`  ${row["QUERY PLAN"]}`);
  }
} finally {
  await web.stop();
  await db.end();
  await database.stop();
}
const [profile] = (await readdir(profileDir)).filter((f) => f.endsWith(".cpuprofile"));
if (profile) {
  console.log(`\nthe web process's CPU (${path.join(profileDir, profile)}):`);
  console.log(summarize(path.join(profileDir, profile), 30, "serveWebhook"));
}
