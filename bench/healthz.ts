/**
 * /healthz under load with a long job queue: the built app (server.ts) in production mode, a queue
 * of BENCH_JOBS (200,000) jobs, BENCH_SECONDS (10) s of GET /healthz from 16 connections. Next to
 * it, the queue's aggregate alone, timed in the same run: what every call ran before /healthz
 * computed the figures at most every 5 s (what this benchmark measured before that change is in
 * docs/operations.md and docs/decisions/021).
 */
import autocannon from "autocannon";
import pg from "pg";
import { buildIfStale, startChild, waitForHttp } from "../scripts/lib/stack.ts";
import { productionEnv } from "./lib/app-env.ts";
import { startBenchDatabase } from "./lib/database.ts";
import { freePort } from "./lib/processes.ts";
import { saveResult } from "./lib/report.ts";

const JOBS = Number(process.env.BENCH_JOBS ?? 200_000);
const DURATION = Number(process.env.BENCH_SECONDS ?? 10);

const database = await startBenchDatabase("healthz");
const db = new pg.Client({ connectionString: database.url });
await db.connect();
await buildIfStale();
const appPort = await freePort();
const web = startChild({
  name: "web",
  args: ["server.ts"],
  env: { ...productionEnv, DATABASE_URL: database.url, PORT: String(appPort), LOG_LEVEL: "warn" },
  onLine: () => {},
});
try {
  for (let done = 0; done < JOBS; done += 50_000) {
    await db.query(
      `SELECT graphile_worker.add_jobs(array_agg(ROW('bench.noop', '{}'::json, NULL, NULL, NULL, NULL, NULL, NULL)::graphile_worker.job_spec))
       FROM generate_series(1, $1)`,
      [Math.min(50_000, JOBS - done)],
    );
  }
  await db.query("VACUUM ANALYZE graphile_worker._private_jobs");
  await waitForHttp(`http://127.0.0.1:${appPort}/healthz`);

  // The aggregate every call used to run (app/lib/health.server.ts runs it every 5 s at most).
  Object.assign(process.env, productionEnv, { DATABASE_URL: database.url, LOG_LEVEL: "warn" });
  const { QUEUE_FIGURES_SQL } = await import("../app/lib/health.server.ts");
  const aggregate: number[] = [];
  for (let i = 0; i < 10; i += 1) {
    const started = performance.now();
    await db.query(QUEUE_FIGURES_SQL);
    aggregate.push(performance.now() - started);
  }
  aggregate.sort((a, b) => a - b);

  const result = await autocannon({
    url: `http://127.0.0.1:${appPort}/healthz`,
    connections: 16,
    duration: DURATION,
  });
  const ok = result["2xx"];
  const figures = (await (await fetch(`http://127.0.0.1:${appPort}/healthz`)).json()) as {
    queue: { ready?: number };
  };
  await saveResult({
    benchmark: "healthz",
    description: `GET /healthz on server.ts (production) with ${JOBS.toLocaleString("en")} queued jobs, 16 connections, ${DURATION} s`,
    figures: [
      { name: "answers per second", value: result.requests.average, unit: "answers/s" },
      {
        name: "p99 latency",
        value: result.latency.p99,
        unit: "ms",
        baseline: { name: "the queue's aggregate alone, median", value: aggregate[5]! },
      },
    ],
    notes: [
      `${ok} answers 2xx, ${result.non2xx} other, ${result.errors} errors; the last answer counted ${figures.queue.ready ?? "no"} ready jobs`,
    ],
  });
} finally {
  await web.stop();
  await db.end();
  await database.stop();
}
