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
import type { DeliveryRecord } from "../shopify-standin/index.ts";
import { compareWithGroundTruth } from "../support/ground-truth.ts";
import { chaosSchedule, runChaosEvent, type ChaosContext, type ChaosOutcome } from "./chaos.ts";
import { openDatabase, type ChaosDatabase } from "./database.ts";
import { causeOf, rowsWithLostEvents } from "./explain.ts";
import { Fleet } from "./fleet.ts";
import type { ChaosOptions } from "./options.ts";
import { poisonFactory, type PoisonDelivery } from "./poison.ts";
import { startProxy, type RoundRobinProxy } from "./proxy.ts";
import { seededRandom } from "./random.ts";
import { isDrained, openPool, query, queueJob, queueState } from "./recur-db.ts";
import { StandInClient } from "./standin-client.ts";
import { startStandIn, type StandInProcess } from "./standin-process.ts";

export const SHOPS = ["chaos-a", "chaos-b"] as const;
const domain = (handle: string) => `${handle}.myshopify.com`;
const API_KEY = "recur-dev-api-key";
const API_SECRET = "recur-dev-api-secret";
const BROWSER =
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

export interface SentPoison extends PoisonDelivery {
  shop: string;
  webhookId: string;
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
        // Bulk runs finish well before Recur's first poll (SYNC_POLL_SECONDS, 3 s): the stand-in
        // shows COMPLETED a moment before it sets the result's url (bulk.ts complete()), and a poll
        // in that moment would read "nothing matched". See docs/operations.md.
        "--bulk-rate",
        "100000",
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
    for (const shop of SHOPS) {
      await standIn.setFaults(shop, {
        duplicateRate: options.duplicateRate,
        duplicateEventRate: options.duplicateEventRate,
        reorderRate: options.reorderRate,
        reorderDelayMs: options.reorderDelayMs,
        dropRate: options.dropRate,
      });
    }
    const schedule = chaosSchedule(random.fork("schedule"), fleet);
    const nextPoison = poisonFactory(random.fork("poison"));
    const poison: SentPoison[] = [];
    const streamStartedAt = Date.now();
    const [{ now: streamStartedDb } = { now: new Date() }] = await query<{ now: Date }>(
      pool,
      "SELECT now()",
    );
    const chaosCtx: ChaosContext = {
      fleet,
      database,
      db: pool,
      streamStartedAt,
      staleAfterSeconds: options.staleAfterSeconds,
    };
    say(
      `stream: ${options.changes} changes in bursts of ${options.chunk}; kills at ${schedule
        .map((e) => `${Math.round(e.at * 100)}% ${e.kind} ${e.target}`)
        .join(", ")}`,
    );
    let emitted = 0;
    let lastSequence = 0;
    let nextEvent = 0;
    let chaosChain: Promise<void> = Promise.resolve();
    let turn = 0;
    while (emitted < options.changes) {
      aborted();
      const shop = SHOPS[turn++ % SHOPS.length]!;
      const count = Math.min(options.chunk, options.changes - emitted);
      for (const change of await standIn.burst(shop, count)) {
        report.changes[change.kind] = (report.changes[change.kind] ?? 0) + 1;
      }
      emitted += count;
      // Poison: at least one per burst, until they are poisonRate of every delivery so far.
      do {
        const next = nextPoison();
        const record = await standIn.sendWebhook(shop, next.input);
        poison.push({ ...next, shop: domain(shop), webhookId: record.webhookId });
        lastSequence = record.sequence;
      } while (poison.length < options.poisonRate * lastSequence);
      while (nextEvent < schedule.length && emitted / options.changes >= schedule[nextEvent]!.at) {
        const event = schedule[nextEvent++]!;
        chaosChain = chaosChain.then(async () => {
          const who = event.kind === "worker SIGKILL" ? "(the busiest worker)" : event.target;
          say(
            `  ${event.kind} ${who} (${Math.round((emitted / options.changes) * 100)}% of the stream emitted)`,
          );
          const outcome = await runChaosEvent(event, chaosCtx);
          report.outcomes.push(outcome);
          say(
            outcome.error
              ? `  ${event.kind} ${event.target}: ${outcome.error}`
              : `  ${event.kind} ${event.target}: back after ${(outcome.backMs / 1000).toFixed(1)} s, recovered after ${(outcome.recoveredMs / 1000).toFixed(1)} s (${outcome.heldAtKill})`,
          );
        });
      }
      // Back-pressure: keep the stand-in's backlog near `window` deliveries, so the stream lasts
      // as long as Recur takes to accept it and the kills land while it flows.
      let progress = proxy.counts.webhooks2xx;
      let progressAt = Date.now();
      while (lastSequence * (1 - options.dropRate) - proxy.counts.webhooks2xx > options.window) {
        aborted();
        if (proxy.counts.webhooks2xx !== progress) {
          progress = proxy.counts.webhooks2xx;
          progressAt = Date.now();
        } else if (Date.now() - progressAt > 120_000) {
          throw new Error("no webhook was accepted for 120 s during the stream");
        }
        await delay(50);
      }
    }
    timeline.mark("stream emitted");
    const streamEmittedAt = Date.now();
    await chaosChain;
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
    say(
      `before reconciliation ${staleRows} row(s) differ from the store (drops); queueing reconcile`,
    );
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

    // ---- 5. checks --------------------------------------------------------------------------
    for (const shop of SHOPS) {
      const comparison = await compareWithGroundTruth(
        pool,
        domain(shop),
        await standIn.groundTruth(shop),
      );
      check(
        `${shop}: customers, orders and line items equal the store`,
        comparison.equal,
        comparison.equal
          ? `${comparison.counts.customers} customers, ${comparison.counts.orders} orders, ${comparison.counts.lineItems} line items`
          : `first differences: ${comparison.differences.join("; ")}`,
      );
    }

    const records: DeliveryRecord[] = [];
    for (const shop of SHOPS) records.push(...(await standIn.deliveries(shop)));
    const answered = records.filter((r) =>
      r.attempts.some((a) => a.statusCode !== null && a.statusCode >= 200 && a.statusCode < 300),
    );
    const answeredIds = [...new Set(answered.map((r) => r.webhookId))];
    const recorded = await query<{ id: string; status: string; last_error: string | null }>(
      pool,
      "SELECT id, status::text, last_error FROM webhook_deliveries WHERE id = ANY($1::text[])",
      [answeredIds],
    );
    const byId = new Map(recorded.map((row) => [row.id, row]));
    const lost = answeredIds.filter((id) => !byId.has(id));
    const unsettled = recorded.filter(
      (row) => !["processed", "ignored", "dead_letter"].includes(row.status),
    );
    check(
      "every delivery answered 2xx is processed, ignored or dead_letter",
      lost.length === 0 && unsettled.length === 0,
      lost.length || unsettled.length
        ? `${lost.length} answered 2xx but not recorded (${lost.slice(0, 5).join(", ")}); ${unsettled.length} unsettled (${unsettled
            .slice(0, 5)
            .map((r) => `${r.id}: ${r.status}`)
            .join(", ")})`
        : `${answeredIds.length} deliveries`,
    );

    const badPoison = poison.filter((p) => {
      const row = byId.get(p.webhookId);
      return !row || row.status !== "dead_letter" || !p.reason.test(row.last_error ?? "");
    });
    check(
      "every poison delivery is a dead letter with its reason",
      badPoison.length === 0,
      badPoison.length
        ? badPoison
            .slice(0, 5)
            .map((p) => {
              const row = byId.get(p.webhookId);
              return `${p.kind} ${p.input.topic} ${p.webhookId}: ${row ? `${row.status} (${row.last_error})` : "not recorded"}`;
            })
            .join("; ")
        : `${poison.length} poison deliveries (${countBy(poison.map((p) => p.kind))})`,
    );

    // Before reconciliation only the rows of lost events (every delivery dropped) may differ.
    const lostRows = new Map(
      SHOPS.map((shop) => [
        shop,
        rowsWithLostEvents(records.filter((r) => r.shop === domain(shop))),
      ]),
    );
    const causes = differencesBefore.map(({ shop, difference }) => ({
      shop,
      difference,
      cause: causeOf(difference, lostRows.get(shop)!),
    }));
    const unexplained = causes.filter((c) => c.cause === "unexplained");
    check(
      "before reconciliation, every differing row is explained (a lost event, or a known gap)",
      unexplained.length === 0,
      `${countBy(causes.map((c) => c.cause)) || "no differing rows"}${
        unexplained.length
          ? `; unexplained: ${unexplained
              .slice(0, 5)
              .map(({ shop, difference }) => `${shop} ${difference}`)
              .join("; ")}`
          : ""
      }`,
    );

    const poisonIds = new Set(poison.map((p) => p.webhookId));
    const deadLetters = await query<{ id: string; topic: string; last_error: string | null }>(
      pool,
      "SELECT id, topic, last_error FROM webhook_deliveries WHERE status = 'dead_letter'",
    );
    const genuineDead = deadLetters.filter((row) => !poisonIds.has(row.id));
    check(
      "no genuine delivery became a dead letter",
      genuineDead.length === 0,
      genuineDead
        .slice(0, 5)
        .map((row) => `${row.id} ${row.topic}: ${row.last_error}`)
        .join("; "),
    );

    const [queue] = await query<{ locked: number; jobs: number; tasks: string | null }>(
      pool,
      `SELECT count(*) FILTER (WHERE locked_at IS NOT NULL)::int AS locked, count(*)::int AS jobs,
              string_agg(DISTINCT task_identifier, ', ') AS tasks
       FROM graphile_worker.jobs`,
    );
    check(
      "no job is left locked",
      queue!.locked === 0,
      `${queue!.jobs} job(s) in the queue${queue!.tasks ? ` (${queue!.tasks})` : ""}`,
    );

    const runs = await query<{
      kind: string;
      entity: string;
      status: string;
      rows_written: number;
      started_at: Date;
      error_message: string | null;
    }>(
      pool,
      "SELECT kind::text, entity::text, status::text, rows_written, started_at, error_message FROM sync_runs ORDER BY id",
    );
    const running = runs.filter((run) => run.status === "running");
    check(
      "no sync run is running",
      running.length === 0,
      `${runs.length} sync runs: ${countBy(runs.map((r) => r.status))}`,
    );

    const [uningested] = await query<{ n: number; runs: string | null }>(
      pool,
      `SELECT count(*)::int AS n,
              string_agg(format('run %s (%s %s %s objects)', id, kind, entity, object_count), ', ') AS runs
       FROM sync_runs
       WHERE status = 'completed' AND object_count > 0 AND ingest_queued_at IS NULL`,
    );
    check(
      "every completed sync run with objects ingested its result",
      uningested!.n === 0,
      uningested!.n
        ? `${uningested!.runs}: completed without reading a result file. A poll that read the bulk operation as COMPLETED with url null does this; the stand-in shows that state for a moment (tests/shopify-standin/bulk.ts complete() sets status before url)`
        : "",
    );

    const givenUp = records.filter((r) => r.status === "failed");
    check(
      "the stand-in's retries covered every outage (no delivery given up)",
      givenUp.length === 0,
      givenUp
        .slice(0, 5)
        .map(
          (r) =>
            `${r.topic} ${r.webhookId}: ${r.attempts.map((a) => a.statusCode ?? a.error).join(", ")}`,
        )
        .join("; "),
    );

    report.unexpectedExits = [...fleet.unexpectedExits];
    check(
      "Recur's processes exited only when killed",
      fleet.unexpectedExits.length === 0,
      fleet.unexpectedExits
        .map((e) => `${e.process} exited (${e.code})${e.lastWords ? `: ${e.lastWords}` : ""}`)
        .join("; "),
    );
    const failedKills = report.outcomes.filter((o) => o.error);
    check(
      "every kill was survived: each process came back and its work went on",
      failedKills.length === 0 && report.outcomes.length === schedule.length,
      failedKills.map((o) => `${o.kind} ${o.target}: ${o.error}`).join("; ") ||
        `${report.outcomes.length} of ${schedule.length}`,
    );

    // ---- figures ----------------------------------------------------------------------------
    const reconcileRuns = runs.filter((run) => run.started_at >= reconcileFrom);
    const attempts = records.flatMap((r) => r.attempts);
    const [throughput] = await query<{
      accepted: number;
      received_s: number;
      processed: number;
      processed_s: number;
    }>(
      pool,
      `SELECT count(*)::int AS accepted,
              extract(epoch FROM max(received_at) - min(received_at))::float8 AS received_s,
              count(*) FILTER (WHERE status <> 'received')::int AS processed,
              extract(epoch FROM max(processed_at) - min(received_at))::float8 AS processed_s
       FROM webhook_deliveries WHERE received_at >= $1 AND received_at < $2`,
      [streamStartedDb, reconcileFrom],
    );
    const [statuses] = await query<{
      processed: number;
      ignored: number;
      twins: number;
      dead: number;
      total: number;
    }>(
      pool,
      `SELECT count(*) FILTER (WHERE status = 'processed')::int AS processed,
              count(*) FILTER (WHERE status = 'ignored')::int AS ignored,
              count(*) FILTER (WHERE status = 'ignored' AND last_error LIKE 'Same event as delivery%')::int AS twins,
              count(*) FILTER (WHERE status = 'dead_letter')::int AS dead,
              count(*)::int AS total
       FROM webhook_deliveries`,
    );
    const has = (r: DeliveryRecord, fault: string) => r.faults.includes(fault as never);
    Object.assign(report.figures, {
      "deliveries sent by the stand-in": records.filter((r) => !has(r, "dropped")).length,
      "  of which poison": poison.length,
      "  of which same webhook id re-sent": records.filter((r) => has(r, "duplicate")).length,
      "  of which same event, other webhook id": records.filter(
        (r) => has(r, "duplicate_event") && !has(r, "dropped"),
      ).length,
      "  of which held back (reordered)": records.filter((r) => has(r, "reordered")).length,
      "dropped by the stand-in (never sent)": records.filter((r) => has(r, "dropped")).length,
      "HTTP attempts / answered 2xx": `${attempts.length} / ${answered.length}`,
      "failed attempts (502, 5xx, timeouts)": attempts.filter(
        (a) => !(a.statusCode !== null && a.statusCode >= 200 && a.statusCode < 300),
      ).length,
      "deliveries retried by the stand-in": records.filter((r) => r.attempts.length > 1).length,
      "accepted (distinct webhook ids recorded)": statuses!.total,
      "duplicates absorbed: same webhook id": answered.length - answeredIds.length,
      "duplicates absorbed: twin events ignored": statuses!.twins,
      "processed / ignored / dead_letter": `${statuses!.processed} / ${statuses!.ignored} / ${statuses!.dead}`,
      "dead letters": `${statuses!.dead} (${countBy(poison.map((p) => p.kind))})`,
      "rows differing before reconciliation": `${staleRows} (${countBy(causes.map((c) => c.cause)) || "none"})`,
      "rows repaired by reconciliation": `${reconcileRuns.reduce((sum, run) => sum + run.rows_written, 0)} (${reconcileRuns.map((r) => `${r.kind} ${r.entity} ${r.rows_written}`).join(", ")})`,
      "kills survived": `${report.outcomes.filter((o) => !o.error).length} of ${schedule.length} (${countBy(report.outcomes.filter((o) => !o.error).map((o) => o.kind))})`,
      "stream throughput: accepted/s": throughput!.received_s
        ? Math.round(throughput!.accepted / throughput!.received_s)
        : 0,
      "stream throughput: settled/s": throughput!.processed_s
        ? Math.round(throughput!.processed / throughput!.processed_s)
        : 0,
      "time to converge (stream emitted → all equal)": `${(convergedMs / 1000).toFixed(1)} s`,
    });
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

export function countBy(values: string[]): string {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return [...counts].map(([value, n]) => `${n} ${value}`).join(", ");
}
