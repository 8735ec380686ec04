/**
 * Webhook intake: signed orders/updated webhooks posted at the built app (server.ts) over loopback
 * by bench/lib/load-generator.ts (a process of its own), each with its own webhook id, next to a
 * bare node:http server that only verifies the HMAC, in the same run, through the same generator.
 * Two loads: 1,000 per second due evenly (latency counted from each delivery's due time), and as
 * fast as 32 connections go (accepted per second). The worker is not running: this is the intake
 * alone. At 1,000 per second, the baseline is a durable one (bench/lib/hmac-server.ts given a database): the same
 * bare server committing each webhook in one INSERT before it answers, its loads alternated with
 * Recur's, so that Recur's latency is seen next to what a durable commit costs on this disk then.
 * The steady load comes first; once more after the loads as fast as they go, whose writes the
 * kernel is then still flushing (reported, the burst's cost, apart from the steady figure).
 * Targets (the product's): at least 3,000 accepted per second and p99 under 25 ms at 1,000 per
 * second, one web process; and what a second web process adds, loaded at the same time as the first.
 */
import { closeSync, fdatasyncSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { buildIfStale, startChild, waitForHttp } from "../scripts/lib/stack.ts";
import { PROJECT_ROOT } from "../scripts/lib/embedded-postgres.ts";
import { BENCH_API_SECRET, productionEnv } from "./lib/app-env.ts";
import { startBenchDatabase } from "./lib/database.ts";
import {
  body,
  installBenchShop,
  load as loadWith,
  summary,
  type LoadResult,
} from "./lib/intake-load.ts";
import { freePort, peakRssMb } from "./lib/processes.ts";
import { saveResult } from "./lib/report.ts";

const SECRET = BENCH_API_SECRET;
const DURATION = Number(process.env.BENCH_SECONDS ?? 10);

const load = (url: string, options: { connections: number; overallRate?: number }) =>
  loadWith(url, { ...options, seconds: DURATION });

/**
 * The disk under the database, alone: 8 KiB written and flushed (fdatasync) over and over for
 * `seconds`, as a commit flushes the WAL. Every webhook's answer waits for a flush; a stall here is
 * a stall of every answer waiting at that moment, which the baseline server never meets.
 */
function flushLatencies(seconds: number) {
  const file = path.join(PROJECT_ROOT, ".data", `fsync-probe-${process.pid}`);
  const fd = openSync(file, "w");
  const block = Buffer.alloc(8192, 1);
  const times: number[] = [];
  const end = performance.now() + seconds * 1000;
  try {
    while (performance.now() < end) {
      const start = performance.now();
      writeSync(fd, block, 0, block.length, 0);
      fdatasyncSync(fd);
      times.push(performance.now() - start);
    }
  } finally {
    closeSync(fd);
    unlinkSync(file);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.floor(q * (times.length - 1))]!;
  return {
    p50: at(0.5),
    p99: at(0.99),
    max: times.at(-1)!,
    over50: times.filter((t) => t > 50).length,
  };
}

/**
 * What the disk has to do besides the commits: the kernel's dirty and in-writeback page cache
 * (the earlier loads' table writes on their way to disk) and the checkpoints PostgreSQL finished.
 */
async function diskState(db: pg.Client) {
  const meminfo = readFileSync("/proc/meminfo", "utf8");
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+)`, "m").exec(meminfo)?.[1]);
  const { rows } = await db.query<{ checkpoints: number; buffers: number }>(
    "SELECT num_done::int AS checkpoints, buffers_written::int AS buffers FROM pg_stat_checkpointer",
  );
  return { dirtyMb: Math.round((kb("Dirty") + kb("Writeback")) / 1024), ...rows[0]! };
}
const describeDisk = (
  before: Awaited<ReturnType<typeof diskState>>,
  after: Awaited<ReturnType<typeof diskState>>,
) =>
  `${before.dirtyMb} MB dirty or in writeback at its start, ${after.checkpoints - before.checkpoints} checkpoints done during it (${after.buffers - before.buffers} buffers written)`;

const database = await startBenchDatabase("intake");
const db = new pg.Client({ connectionString: database.url });
await db.connect();
await buildIfStale();
const appPort = await freePort();
const basePort = await freePort();
// BENCH_CPU_PROF=<dir>: the web process writes a V8 CPU profile there when it stops (summarize it
// with `node bench/lib/cpu-profile-summary.ts <file>`).
const profileArgs = process.env.BENCH_CPU_PROF
  ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`]
  : [];
const web = startChild({
  name: "web",
  args: [...profileArgs, "server.ts"],
  env: {
    ...productionEnv,
    DATABASE_URL: database.url,
    PORT: String(appPort),
    LOG_LEVEL: "info",
  },
  onLine: () => {},
});
// A second web process on the same database, on a port of its own (docs/decisions/048): what it
// adds is measured by loading both at once.
const secondPort = await freePort();
const second = startChild({
  name: "web-2",
  args: ["server.ts"],
  env: {
    ...productionEnv,
    DATABASE_URL: database.url,
    PORT: String(secondPort),
    LOG_LEVEL: "info",
  },
  onLine: () => {},
});
const baseline = startChild({
  name: "baseline",
  args: ["bench/lib/hmac-server.ts", String(basePort), SECRET],
  onLine: () => {},
});
// The durable baseline: the same server, committing each webhook in one INSERT before it answers.
const commitPort = await freePort();
const commitBaseline = startChild({
  name: "commit-baseline",
  args: ["bench/lib/hmac-server.ts", String(commitPort), SECRET, database.url],
  // Its failures are printed: a baseline that fails is no baseline.
  onLine: (line) => {
    if (line.startsWith("not committed")) console.error(`[commit-baseline] ${line}`);
  },
});
try {
  await installBenchShop(db);
  await waitForHttp(`http://127.0.0.1:${appPort}/healthz`);
  await waitForHttp(`http://127.0.0.1:${basePort}/`).catch(() => {});
  await waitForHttp(`http://127.0.0.1:${commitPort}/`).catch(() => {});

  const recurAt1000 = () =>
    load(`http://127.0.0.1:${appPort}`, { connections: 32, overallRate: 1000 }).then(summary);
  const commitAt1000 = () =>
    load(`http://127.0.0.1:${commitPort}`, { connections: 32, overallRate: 1000 }).then(summary);
  // Warm Recur and the durable baseline up at the steady load, then measure it: Recur and the
  // durable baseline alternated twice, so that the shared disk's stalls fall on both alike; its
  // figure is the worse of Recur's two loads, against the worse of the baseline's.
  const warmUp = await recurAt1000();
  await commitAt1000();
  const beforeSteady = await diskState(db);
  const recurSteady = [await recurAt1000()];
  const commitSteady = [await commitAt1000()];
  recurSteady.push(await recurAt1000());
  commitSteady.push(await commitAt1000());
  const afterSteady = await diskState(db);
  const worse = (loads: LoadResult[], key: "p50" | "p90" | "p99" | "max") =>
    Math.max(...loads.map((result) => result[key]));
  const baseFixed = summary(
    await load(`http://127.0.0.1:${basePort}`, { connections: 32, overallRate: 1000 }),
  );
  // The fastest each goes; then the steady load again, right after that burst, while its writes
  // are on their way to the disk.
  const recurMax = summary(await load(`http://127.0.0.1:${appPort}`, { connections: 32 }));
  const baseMax = summary(await load(`http://127.0.0.1:${basePort}`, { connections: 32 }));
  const beforeAfterBurst = await diskState(db);
  const recurAfterBurst = await recurAt1000();
  const afterAfterBurst = await diskState(db);
  // Both web processes at once, 32 connections each.
  await waitForHttp(`http://127.0.0.1:${secondPort}/healthz`);
  const [firstOfTwo, secondOfTwo] = (
    await Promise.all([
      load(`http://127.0.0.1:${appPort}`, { connections: 32 }),
      load(`http://127.0.0.1:${secondPort}`, { connections: 32 }),
    ])
  ).map(summary) as [ReturnType<typeof summary>, ReturnType<typeof summary>];
  const twoPerSecond = firstOfTwo.perSecond + secondOfTwo.perSecond;
  const webPeak = peakRssMb(web.process.pid!);
  const flush = flushLatencies(DURATION);

  const { rows } = await db.query<{ deliveries: number; jobs: number }>(
    "SELECT (SELECT count(*) FROM webhook_deliveries)::int AS deliveries, (SELECT count(*) FROM graphile_worker.jobs)::int AS jobs",
  );
  const accepted =
    warmUp.accepted +
    recurMax.accepted +
    recurSteady[0]!.accepted +
    recurSteady[1]!.accepted +
    recurAfterBurst.accepted +
    firstOfTwo.accepted +
    secondOfTwo.accepted;
  await saveResult({
    benchmark: "intake",
    description: `signed orders/updated webhooks (${body.length} bytes) posted at server.ts over loopback by bench/lib/load-generator.ts (its own process), ${DURATION} s per load`,
    figures: [
      {
        name: "accepted per second (32 connections)",
        value: recurMax.perSecond,
        unit: "webhooks/s",
        baseline: { name: "node:http + HMAC only", value: baseMax.perSecond },
        target: { text: "≥ 3,000/s", met: recurMax.perSecond >= 3000 },
      },
      {
        name: "p50 latency at 1,000/s offered (the worse of two loads)",
        value: worse(recurSteady, "p50"),
        unit: "ms",
        baseline: { name: "one INSERT committed per webhook", value: worse(commitSteady, "p50") },
      },
      {
        name: "p99 latency at 1,000/s offered (the worse of two loads)",
        value: worse(recurSteady, "p99"),
        unit: "ms",
        baseline: { name: "one INSERT committed per webhook", value: worse(commitSteady, "p99") },
        target: { text: "< 25 ms", met: worse(recurSteady, "p99") < 25 },
      },
      {
        name: "p99 latency at 1,000/s offered, right after the load as fast as it goes",
        value: recurAfterBurst.p99,
        unit: "ms",
        baseline: { name: "the steady loads' worse", value: worse(recurSteady, "p99") },
      },
      {
        name: "accepted per second, two web processes (32 connections each)",
        value: twoPerSecond,
        unit: "webhooks/s",
        baseline: { name: "one web process, same run", value: recurMax.perSecond },
      },
      { name: "peak RSS of the web process under load", value: webPeak, unit: "MB" },
    ],
    notes: [
      `at 1,000/s offered, Recur's two loads and the durable baseline's (node:http + HMAC + one INSERT committed, bench/lib/hmac-server.ts given a database), alternated: p50 ${recurSteady.map((r) => r.p50).join(" and ")} ms against ${commitSteady.map((r) => r.p50).join(" and ")} ms, p90 ${recurSteady.map((r) => r.p90).join(" and ")} against ${commitSteady.map((r) => r.p90).join(" and ")} ms, p99 ${recurSteady.map((r) => r.p99).join(" and ")} against ${commitSteady.map((r) => r.p99).join(" and ")} ms, max ${recurSteady.map((r) => r.max).join(" and ")} against ${commitSteady.map((r) => r.max).join(" and ")} ms; the disk: ${describeDisk(beforeSteady, afterSteady)}`,
      `right after the loads as fast as they go, Recur at 1,000/s: p50 ${recurAfterBurst.p50} ms, p90 ${recurAfterBurst.p90} ms, p99 ${recurAfterBurst.p99} ms, max ${recurAfterBurst.max} ms; the disk: ${describeDisk(beforeAfterBurst, afterAfterBurst)}`,
      `node:http + HMAC only at 1,000/s: p50 ${baseFixed.p50} ms, p90 ${baseFixed.p90} ms, p99 ${baseFixed.p99} ms, max ${baseFixed.max} ms. The generator's own CPU per request: ${recurMax.cpuPerRequestUs} µs (32 connections), ${recurSteady[0]!.cpuPerRequestUs} µs (1,000/s)`,
      `non-2xx or failed requests: Recur ${[warmUp, recurMax, ...recurSteady, recurAfterBurst, firstOfTwo, secondOfTwo].reduce((sum, r) => sum + r.others, 0)}, baseline ${baseMax.others + baseFixed.others}, durable baseline ${commitSteady[0]!.others + commitSteady[1]!.others}`,
      `two web processes: ${firstOfTwo.perSecond.toFixed(0)}/s + ${secondOfTwo.perSecond.toFixed(0)}/s (${(twoPerSecond / recurMax.perSecond).toFixed(2)} × one process); p99 ${firstOfTwo.p99} ms and ${secondOfTwo.p99} ms; load average at the end ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")}`,
      `${accepted} webhooks answered 2xx (warm-up included): ${rows[0]!.deliveries} deliveries recorded, ${rows[0]!.jobs} jobs queued`,
      `the disk alone, for ${DURATION} s after the loads (fdatasync of 8 KiB, as a commit flushes): p50 ${flush.p50.toFixed(2)} ms, p99 ${flush.p99.toFixed(2)} ms, max ${flush.max.toFixed(0)} ms, ${flush.over50} stalls over 50 ms. Every answer waits for its commit's flush; a stall holds every answer waiting at that moment.`,
    ],
  });
} finally {
  await Promise.allSettled([web.stop(), second.stop(), baseline.stop(), commitBaseline.stop()]);
  await db.end();
  await database.stop();
}
