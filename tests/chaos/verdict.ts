/**
 * The chaos run's verdict, once everything has settled: Recur's rows against the store, every
 * delivery's fate, the queue and the sync log, the processes; then the run's figures.
 */
import type pg from "pg";
import type { DeliveryRecord } from "../shopify-standin/index.ts";
import { compareWithGroundTruth } from "../support/ground-truth.ts";
import type { ChaosOutcome } from "./chaos.ts";
import { causeOf, rowsWithLostEvents } from "./explain.ts";
import type { Fleet } from "./fleet.ts";
import type { SentPoison } from "./poison.ts";
import { query } from "./recur-db.ts";
import type { StandInClient } from "./standin-client.ts";

export const SHOPS = ["chaos-a", "chaos-b"] as const;
export type ShopHandle = (typeof SHOPS)[number];
export const domain = (handle: string) => `${handle}.myshopify.com`;

export interface VerdictContext {
  pool: pg.Pool;
  standIn: StandInClient;
  fleet: Fleet;
  poison: SentPoison[];
  outcomes: ChaosOutcome[];
  /** Kills the schedule asked for. */
  scheduled: number;
  /** What differed from the store after the stream, before reconciliation. */
  differencesBefore: { shop: ShopHandle; difference: string }[];
  streamStartedDb: Date;
  reconcileFrom: Date;
  convergedMs: number;
  check: (name: string, ok: boolean, detail: string) => void;
}

export async function judge(ctx: VerdictContext): Promise<Record<string, string | number>> {
  const {
    pool,
    standIn,
    fleet,
    poison,
    outcomes,
    scheduled,
    differencesBefore,
    streamStartedDb,
    reconcileFrom,
    convergedMs,
    check,
  } = ctx;
  const staleRows = differencesBefore.length;
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
    (row) => !["processed", "skipped", "ignored", "dead_letter"].includes(row.status),
  );
  check(
    "every delivery answered 2xx is processed, skipped, ignored or dead_letter",
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
    SHOPS.map((shop) => [shop, rowsWithLostEvents(records.filter((r) => r.shop === domain(shop)))]),
  );
  const causes = differencesBefore.map(({ shop, difference }) => ({
    shop,
    difference,
    cause: causeOf(difference, lostRows.get(shop)!),
  }));
  const unexplained = causes.filter((c) => c.cause === "unexplained");
  check(
    "before reconciliation, every differing row is a lost event's",
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
      ? `${uningested!.runs}: completed without reading a result file. Recur fails a run whose bulk operation says COMPLETED with objects but no url (sync.server.ts outcomeOf), so this means a new path closes runs without ingesting`
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

  check(
    "Recur's processes exited only when killed",
    fleet.unexpectedExits.length === 0,
    fleet.unexpectedExits
      .map((e) => `${e.process} exited (${e.code})${e.lastWords ? `: ${e.lastWords}` : ""}`)
      .join("; "),
  );
  const failedKills = outcomes.filter((o) => o.error);
  check(
    "every kill was survived: each process came back and its work went on",
    failedKills.length === 0 && outcomes.length === scheduled,
    failedKills.map((o) => `${o.kind} ${o.target}: ${o.error}`).join("; ") ||
      `${outcomes.length} of ${scheduled}`,
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
    skipped: number;
    ignored: number;
    twins: number;
    dead: number;
    total: number;
  }>(
    pool,
    `SELECT count(*) FILTER (WHERE status = 'processed')::int AS processed,
            count(*) FILTER (WHERE status = 'skipped')::int AS skipped,
            count(*) FILTER (WHERE status = 'ignored')::int AS ignored,
            count(*) FILTER (WHERE status = 'ignored' AND last_error LIKE 'Same event as delivery%')::int AS twins,
            count(*) FILTER (WHERE status = 'dead_letter')::int AS dead,
            count(*)::int AS total
     FROM webhook_deliveries`,
  );
  const has = (r: DeliveryRecord, fault: string) => r.faults.includes(fault as never);
  return {
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
    "processed / skipped / ignored / dead_letter": `${statuses!.processed} / ${statuses!.skipped} / ${statuses!.ignored} / ${statuses!.dead}`,
    "stale deliveries skipped (older than stored)": statuses!.skipped,
    "dead letters": `${statuses!.dead} (${countBy(poison.map((p) => p.kind))})`,
    "rows differing before reconciliation": `${staleRows} (${countBy(causes.map((c) => c.cause)) || "none"})`,
    "rows repaired by reconciliation": `${reconcileRuns.reduce((sum, run) => sum + run.rows_written, 0)} (${reconcileRuns.map((r) => `${r.kind} ${r.entity} ${r.rows_written}`).join(", ")})`,
    "kills survived": `${outcomes.filter((o) => !o.error).length} of ${scheduled} (${countBy(outcomes.filter((o) => !o.error).map((o) => o.kind))})`,
    "stream throughput: accepted/s": throughput!.received_s
      ? Math.round(throughput!.accepted / throughput!.received_s)
      : 0,
    "stream throughput: settled/s": throughput!.processed_s
      ? Math.round(throughput!.processed / throughput!.processed_s)
      : 0,
    "time to converge (stream emitted → all equal)": `${(convergedMs / 1000).toFixed(1)} s`,
  };
}

export function countBy(values: string[]): string {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return [...counts].map(([value, n]) => `${n} ${value}`).join(", ");
}
