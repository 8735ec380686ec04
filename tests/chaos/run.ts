/**
 * One chaos run, phase by phase:
 *
 * 1. setup: PostgreSQL (embedded, or DATABASE_URL's server), migrations, the build, the Shopify
 *    stand-in process (two seeded shops, not installed), the round-robin proxy, N web processes
 *    and M workers;
 * 2. install: each shop opens Recur in the stand-in's admin; the document load runs the real token
 *    exchange, and afterAuth queues the full sync; the run waits for both syncs and compares;
 * 3. stream: delivery faults on (duplicates of both kinds, reordering, drops), then bursts of
 *    changes with poison deliveries mixed in, while workers, a web process and PostgreSQL are
 *    killed and restarted at seeded points;
 * 4. converge: the stand-in's retries end (wait-idle), the queue drains (the run queues the
 *    sweeper rather than wait for cron), then the run queues Recur's reconcile job and waits for
 *    its syncs to settle;
 * 5. check: Recur's rows against the stand-in's ground truth, every delivery's fate, the queue
 *    and the sync log.
 */
import { mkdir, rm } from "node:fs/promises";
import path from "node:path";
import type pg from "pg";
import { PROJECT_ROOT } from "../../scripts/lib/embedded-postgres.ts";
import { buildIfStale } from "../../scripts/lib/stack.ts";
import { compareWithGroundTruth } from "../support/ground-truth.ts";
import type { ChaosOutcome } from "./chaos.ts";
import { openDatabase, type ChaosDatabase } from "./database.ts";
import { Fleet } from "./fleet.ts";
import type { ChaosOptions } from "./options.ts";
import { startProxy, type RoundRobinProxy } from "./proxy.ts";
import { seededRandom } from "./random.ts";
import { isDrained, openPool, query, queueJob, queueState } from "./recur-db.ts";
import { StandInClient } from "./standin-client.ts";
import { startStandIn, type StandInProcess } from "./standin-process.ts";
import { runStream } from "./stream.ts";
import { SHOPS, domain, judge } from "./verdict.ts";

const API_KEY = "recur-dev-api-key";
const API_SECRET = "recur-dev-api-secret";
const BROWSER =
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

export interface RunReport {
  options: ChaosOptions;
  runDir: string;
  checks: Check[];
  changes: Record<string, number>;
  outcomes: ChaosOutcome[];
  unexpectedExits: Fleet["unexpectedExits"];
  figures: Record<string, string | number>;
  timings: Record<string, number>;
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

class Timeline {
  private readonly start = Date.now();
  readonly marks: Record<string, number> = {};
  mark(name: string): number {
    this.marks[name] = Date.now() - this.start;
    return this.marks[name];
  }
}

export async function runChaos(
  options: ChaosOptions,
  say: (message: string) => void,
  signal: AbortSignal,
): Promise<RunReport> {
  const runDir = path.join(PROJECT_ROOT, ".data", `chaos-${process.pid}`);
  const logDir = path.join(runDir, "logs");
  await mkdir(logDir, { recursive: true });
  const random = seededRandom(options.seed);
  const timeline = new Timeline();
  const checks: Check[] = [];
  const check = (name: string, ok: boolean, detail: string) => {
    checks.push({ name, ok, detail });
    say(`${ok ? "ok  " : "FAIL"} ${name}${detail ? `: ${detail}` : ""}`);
  };

  let database: ChaosDatabase | undefined;
  let db: pg.Pool | undefined;
  let standInProcess: StandInProcess | undefined;
  let proxy: RoundRobinProxy | undefined;
  let fleet: Fleet | undefined;
  let sweeperTimer: NodeJS.Timeout | undefined;
  let failed = true;
  const report: RunReport = {
    options,
    runDir,
    checks,
    changes: {},
    outcomes: [],
    unexpectedExits: [],
    figures: {},
    timings: timeline.marks,
  };
  const aborted = () => {
    if (signal.aborted) throw new Error("interrupted");
  };

  try {
    // ---- 1. setup ---------------------------------------------------------------------------
    say(
      `PostgreSQL${process.env.DATABASE_URL ? " (DATABASE_URL's server)" : " (embedded)"}, migrations, build`,
    );
    database = await openDatabase(runDir);
    db = openPool(database.url);
    await buildIfStale();
    const fleetRef: { current?: Fleet } = {};
    proxy = await startProxy(() => fleetRef.current?.webUrls() ?? []);
    standInProcess = await startStandIn(
      [
        "--app-url",
        proxy.url,
        "--api-key",
        API_KEY,
        "--api-secret",
        API_SECRET,
        "--time-scale",
        String(options.timeScale),
        "--seed",
        String(options.seed),
        ...SHOPS.flatMap((shop) => ["--shop", `${shop}:${options.customers}:${options.orders}`]),
      ],
      path.join(logDir, "shopify-standin.log"),
    );
    const standIn = new StandInClient(standInProcess.url);
    fleet = await Fleet.create({
      web: options.web,
      workers: options.workers,
      logDir,
      db,
      env: {
        NODE_ENV: "test",
        LOG_LEVEL: "info",
        DATABASE_URL: database.url,
        SHOPIFY_APP_URL: proxy.url,
        SHOPIFY_API_KEY: API_KEY,
        SHOPIFY_API_SECRET: API_SECRET,
        SHOPIFY_STANDIN_URL: standInProcess.url,
        WEBHOOK_MAX_ATTEMPTS: String(options.maxAttempts),
        WORKER_STALE_AFTER_SECONDS: String(options.staleAfterSeconds),
      },
    });
    fleetRef.current = fleet;
    say(
      `${options.web} web process(es) behind ${proxy.url}, ${options.workers} worker(s); stand-in ${standInProcess.url}`,
    );
    await fleet.startAll();
    timeline.mark("processes up");
    aborted();

    // The sweeper, queued every two seconds instead of once a minute by cron.
    const pool = db;
    sweeperTimer = setInterval(() => {
      void queueJob(pool, "sweeper", "chaos-sweeper", 1).catch(() => {});
    }, 2_000);

    /** Until the stand-in is idle and Recur's queue, deliveries and syncs have settled. */
    const settle = async (what: string, timeoutMs: number) => {
      const deadline = Date.now() + timeoutMs;
      let last = "";
      while (Date.now() < deadline) {
        aborted();
        const idle = await standIn.waitIdle(2_000);
        const state = await queueState(pool);
        last = `stand-in ${idle ? "idle" : "busy"}, ${JSON.stringify(state)}`;
        if (idle && isDrained(state)) return;
        await delay(250);
      }
      throw new Error(`${what} did not settle within ${timeoutMs / 1000} s (${last})`);
    };

    // ---- 2. install and full sync -----------------------------------------------------------
    say("installing both shops (token exchange on an embedded document load)");
    for (const shop of SHOPS) {
      // A browser's document load (shopify-app-remix answers 410 to what looks like a bot).
      const response = await fetch(await standIn.appFrameUrl(shop), {
        redirect: "manual",
        headers: { "User-Agent": BROWSER },
      });
      await response.arrayBuffer();
      if (response.status !== 200) {
        throw new Error(`opening Recur in ${shop}'s admin answered HTTP ${response.status}`);
      }
    }
    await settle("the full syncs", 300_000);
    const fullRuns = await query<{ status: string; n: number }>(
      pool,
      "SELECT status::text, count(*)::int AS n FROM sync_runs GROUP BY status",
    );
    const completed = fullRuns.find((row) => row.status === "completed")?.n ?? 0;
    const initial = [];
    for (const shop of SHOPS) {
      initial.push(
        await compareWithGroundTruth(pool, domain(shop), await standIn.groundTruth(shop)),
      );
    }
    check(
      "full sync of both shops equals the store",
      completed === SHOPS.length * 2 && initial.every((c) => c.equal),
      `${completed} sync runs completed; ${initial
        .map(
          (c, i) =>
            `${SHOPS[i]}: ${c.counts.customers} customers, ${c.counts.orders} orders, ${c.counts.lineItems} line items${c.equal ? "" : ` — ${c.differences.slice(0, 3).join("; ")}`}`,
        )
        .join("; ")}`,
    );
    timeline.mark("full sync done");

    // ---- 3. the stream, with kills ----------------------------------------------------------
    const stream = await runStream({
      options,
      random,
      standIn,
      proxy,
      fleet,
      database,
      pool,
      say,
      aborted,
    });
    report.changes = stream.changes;
    report.outcomes = stream.outcomes;
    const { poison, startedDb: streamStartedDb } = stream;
    timeline.mark("stream emitted");
    const streamEmittedAt = stream.emittedAt;
    await stream.kills;
    timeline.mark("kills done");

    // ---- 4. converge ------------------------------------------------------------------------
    say("stream emitted; waiting for the stand-in's deliveries and retries to end");
    const convergeDeadline = streamEmittedAt + options.convergeTimeoutSeconds * 1000;
    while (!(await standIn.waitIdle(10_000))) {
      aborted();
      if (Date.now() > convergeDeadline) throw new Error("the stand-in's deliveries never ended");
    }
    timeline.mark("deliveries ended");
    await settle("the queue after the stream", convergeDeadline - Date.now());
    timeline.mark("queue drained");

    const before = [];
    for (const shop of SHOPS) {
      before.push(
        await compareWithGroundTruth(pool, domain(shop), await standIn.groundTruth(shop), 1e9),
      );
    }
    const staleRows = before.reduce((sum, c) => sum + c.differences.length, 0);
    const differencesBefore = before.flatMap((c, i) =>
      c.differences.map((difference) => ({ shop: SHOPS[i]!, difference })),
    );
    say(`before reconciliation ${staleRows} row(s) differ from the store; queueing reconcile`);
    const [{ now: reconcileFrom } = { now: new Date() }] = await query<{ now: Date }>(
      pool,
      "SELECT now()",
    );
    await queueJob(pool, "reconcile", "chaos-reconcile", 3);
    const reconciled = async () => {
      const [row] = await query<{ runs: number; reconcile_jobs: number }>(
        pool,
        `SELECT (SELECT count(*) FROM sync_runs WHERE started_at >= $1)::int AS runs,
                (SELECT count(*) FROM graphile_worker.jobs WHERE task_identifier = 'reconcile')::int AS reconcile_jobs`,
        [reconcileFrom],
      );
      return row!.reconcile_jobs === 0 && row!.runs >= SHOPS.length * 2;
    };
    while (!(await reconciled())) {
      aborted();
      if (Date.now() > convergeDeadline) throw new Error("reconciliation never started its syncs");
      await delay(250);
    }
    await settle("reconciliation", convergeDeadline - Date.now());
    timeline.mark("reconciled");
    const convergedMs = Date.now() - streamEmittedAt;
    // No more sweeps from here: wait for the last one to finish, so that what is left is Recur's.
    clearInterval(sweeperTimer);
    for (let i = 0; i < 100; i++) {
      const [sweeps] = await query<{ n: number }>(
        pool,
        "SELECT count(*)::int AS n FROM graphile_worker.jobs WHERE task_identifier = 'sweeper'",
      );
      if (sweeps!.n === 0) break;
      await delay(100);
    }

    // ---- 5. the verdict ----------------------------------------------------------------------
    report.figures = await judge({
      pool,
      standIn,
      fleet,
      poison,
      outcomes: report.outcomes,
      scheduled: stream.scheduled,
      differencesBefore,
      streamStartedDb,
      reconcileFrom,
      convergedMs,
      check,
    });
    report.unexpectedExits = [...fleet.unexpectedExits];
    failed = checks.some((c) => !c.ok);
    return report;
  } finally {
    clearInterval(sweeperTimer);
    report.unexpectedExits = fleet ? [...fleet.unexpectedExits] : [];
    await fleet?.stopAll().catch(() => {});
    await standInProcess?.stop("SIGTERM").catch(() => {});
    await proxy?.close().catch(() => {});
    await db?.end().catch(() => {});
    await database?.close({ keep: options.keep }).catch(() => {});
    // Logs are kept when the run failed (or with --keep); the database never unless --keep.
    if (!options.keep && !failed) await rm(runDir, { recursive: true, force: true });
    timeline.mark("stopped");
  }
}
