/**
 * Webhook intake: signed orders/updated webhooks posted at the built app (server.ts) over loopback
 * by bench/lib/load-generator.ts (a process of its own), each with its own webhook id, next to a
 * bare node:http server that only verifies the HMAC, in the same run, through the same generator.
 * Two loads: as fast as 32 connections go (accepted per second), and 1,000 per second due evenly
 * (latency counted from each delivery's due time). The worker is not running: this is the intake
 * alone.
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
import { body, installBenchShop, load as loadWith, summary } from "./lib/intake-load.ts";
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
try {
  await installBenchShop(db);
  await waitForHttp(`http://127.0.0.1:${appPort}/healthz`);
  await waitForHttp(`http://127.0.0.1:${basePort}/`).catch(() => {});

  // Warm both up, then measure: the fastest each goes, then a fixed 1,000 per second.
  const warmUp = summary(await load(`http://127.0.0.1:${appPort}`, { connections: 8 }));
  const recurMax = summary(await load(`http://127.0.0.1:${appPort}`, { connections: 32 }));
  const baseMax = summary(await load(`http://127.0.0.1:${basePort}`, { connections: 32 }));
  const recurFixed = summary(
    await load(`http://127.0.0.1:${appPort}`, { connections: 32, overallRate: 1000 }),
  );
  const baseFixed = summary(
    await load(`http://127.0.0.1:${basePort}`, { connections: 32, overallRate: 1000 }),
  );
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
    recurFixed.accepted +
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
        name: "p50 latency at 1,000/s offered",
        value: recurFixed.p50,
        unit: "ms",
        baseline: { name: "node:http + HMAC only", value: baseFixed.p50 },
      },
      {
        name: "p99 latency at 1,000/s offered",
        value: recurFixed.p99,
        unit: "ms",
        baseline: { name: "node:http + HMAC only", value: baseFixed.p99 },
        target: { text: "< 25 ms", met: recurFixed.p99 < 25 },
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
      `p90 at 1,000/s offered: Recur ${recurFixed.p90} ms, baseline ${baseFixed.p90} ms; max ${recurFixed.max} ms and ${baseFixed.max} ms. The generator's own CPU per request: ${recurMax.cpuPerRequestUs} µs (32 connections), ${recurFixed.cpuPerRequestUs} µs (1,000/s)`,
      `non-2xx or failed requests: Recur ${recurMax.others + recurFixed.others + firstOfTwo.others + secondOfTwo.others}, baseline ${baseMax.others + baseFixed.others}`,
      `two web processes: ${firstOfTwo.perSecond.toFixed(0)}/s + ${secondOfTwo.perSecond.toFixed(0)}/s (${(twoPerSecond / recurMax.perSecond).toFixed(2)} × one process); p99 ${firstOfTwo.p99} ms and ${secondOfTwo.p99} ms; load average at the end ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")}`,
      `${accepted} webhooks answered 2xx (warm-up included): ${rows[0]!.deliveries} deliveries recorded, ${rows[0]!.jobs} jobs queued`,
      `the disk alone, for ${DURATION} s after the loads (fdatasync of 8 KiB, as a commit flushes): p50 ${flush.p50.toFixed(2)} ms, p99 ${flush.p99.toFixed(2)} ms, max ${flush.max.toFixed(0)} ms, ${flush.over50} stalls over 50 ms. Every answer waits for its commit's flush; a stall holds every answer waiting at that moment.`,
    ],
  });
} finally {
  await Promise.allSettled([web.stop(), second.stop(), baseline.stop()]);
  await db.end();
  await database.stop();
}
