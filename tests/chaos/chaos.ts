/**
 * The kills: worker processes SIGKILLed and restarted, a web process SIGKILLed and restarted, and
 * PostgreSQL restarted, each at a seeded point of the stream. Each measures its recovery:
 *
 * - worker: until a new worker process beats, and no job is still locked by the dead one (the
 *   sweeper unlocks them once its heartbeat is WORKER_STALE_AFTER_SECONDS old);
 * - web: until the restarted process answers /healthz (meanwhile the proxy answers 502 and the
 *   stand-in retries);
 * - PostgreSQL: until it is back, every web process answers /healthz, every worker has beaten again
 *   and a delivery was processed after the restart.
 */
import type pg from "pg";
import type { ChaosDatabase } from "./database.ts";
import type { Fleet } from "./fleet.ts";
import type { Random } from "./random.ts";
import { jobsLockedBy, query, workerIdsOf } from "./recur-db.ts";

export type ChaosKind = "worker SIGKILL" | "web SIGKILL" | "postgres restart";

export interface ChaosEvent {
  kind: ChaosKind;
  /** The fraction of the stream's changes after which it happens. */
  at: number;
  target: string;
  /** ms the process (or server) stays down before it is started again. */
  downMs: number;
}

export interface ChaosOutcome extends ChaosEvent {
  /** ms since the stream started. */
  startedAfterMs: number;
  /** What the process held when it died (jobs locked, or deliveries waiting). */
  heldAtKill: string;
  /** ms from the kill until the process (or server) was back. */
  backMs: number;
  /** ms from the kill until its work went on (locks released, all processes reconnected). */
  recoveredMs: number;
  note: string;
  error?: string;
}

export function chaosSchedule(random: Random, fleet: Fleet): ChaosEvent[] {
  const workers = fleet.workers.map((slot) => slot.name);
  const webs = fleet.webs.map((slot) => slot.name);
  const jitter = () => random.int(0, 50) / 1000;
  return [
    {
      kind: "worker SIGKILL",
      at: 0.15 + jitter(),
      target: random.pick(workers),
      downMs: random.int(200, 1500),
    },
    {
      kind: "web SIGKILL",
      at: 0.3 + jitter(),
      target: random.pick(webs),
      downMs: random.int(0, 1000),
    },
    {
      kind: "worker SIGKILL",
      at: 0.45 + jitter(),
      target: random.pick(workers),
      downMs: random.int(200, 1500),
    },
    {
      kind: "postgres restart",
      at: 0.6 + jitter(),
      target: "postgres",
      downMs: random.int(500, 1500),
    },
    {
      kind: "worker SIGKILL",
      at: 0.75 + jitter(),
      target: random.pick(workers),
      downMs: random.int(200, 1500),
    },
  ];
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await delay(100);
  }
}

export interface ChaosContext {
  fleet: Fleet;
  database: ChaosDatabase;
  db: pg.Pool;
  streamStartedAt: number;
  staleAfterSeconds: number;
}

/**
 * The worker to kill: the one holding the most jobs right now (the seeded pick on a tie), so the
 * kill lands mid-job; the seeded pick when none holds a job within a few seconds.
 */
async function busiestWorker(ctx: ChaosContext, preferred: string): Promise<string> {
  const deadline = Date.now() + 3_000;
  while (Date.now() < deadline) {
    const names = ctx.fleet.workers.map((slot) => slot.name);
    const pids = names.map((name) => ctx.fleet.pidOf(name));
    const rows = await query<{ pid: number; locked: number }>(
      ctx.db,
      `SELECT h.pid, count(j.id)::int AS locked
       FROM worker_heartbeats h JOIN graphile_worker.jobs j ON j.locked_by = h.worker_id
       WHERE h.pid = ANY($1::int[]) GROUP BY h.pid`,
      [pids],
      1_000,
    ).catch(() => []);
    const most = Math.max(0, ...rows.map((row) => row.locked));
    if (most > 0) {
      const busiest = rows
        .filter((row) => row.locked === most)
        .map((row) => names[pids.indexOf(row.pid)]!);
      return busiest.includes(preferred) ? preferred : busiest[0]!;
    }
    await delay(50);
  }
  return preferred;
}

async function killWorker(event: ChaosEvent, ctx: ChaosContext): Promise<Partial<ChaosOutcome>> {
  event.target = await busiestWorker(ctx, event.target);
  const pid = ctx.fleet.pidOf(event.target);
  const workerIds = pid ? await workerIdsOf(ctx.db, pid) : [];
  const locked = await jobsLockedBy(ctx.db, workerIds);
  const { at } = await ctx.fleet.kill(event.target);
  await delay(event.downMs);
  const readyAt = await ctx.fleet.restart(event.target);
  // The dead worker's jobs stay locked until the sweeper finds its heartbeat stale.
  const releasedAt = await until(
    `${event.target}'s locked jobs to be released`,
    async () => ((await jobsLockedBy(ctx.db, workerIds)) === 0 ? Date.now() : undefined),
    (ctx.staleAfterSeconds + 60) * 1000,
  );
  return {
    heldAtKill: `${locked} job(s) locked`,
    backMs: readyAt - at,
    recoveredMs: Math.max(readyAt, releasedAt) - at,
    note:
      locked > 0
        ? `its jobs were unlocked ${((releasedAt - at) / 1000).toFixed(1)} s after the kill`
        : "it held no job",
  };
}

async function killWeb(event: ChaosEvent, ctx: ChaosContext): Promise<Partial<ChaosOutcome>> {
  const { at } = await ctx.fleet.kill(event.target);
  await delay(event.downMs);
  const readyAt = await ctx.fleet.restart(event.target);
  return {
    heldAtKill: "requests in flight were cut",
    backMs: readyAt - at,
    recoveredMs: readyAt - at,
    note: "the stand-in retried what it could not deliver meanwhile",
  };
}

async function restartPostgres(
  event: ChaosEvent,
  ctx: ChaosContext,
): Promise<Partial<ChaosOutcome>> {
  const [before] = await query<{ n: number }>(
    ctx.db,
    "SELECT count(*)::int AS n FROM webhook_deliveries WHERE status IN ('received', 'processing')",
  );
  const { downAt, upAt } = await ctx.database.restart(event.downMs);
  const since = new Date(upAt);
  await until(
    "every web process to answer /healthz after the restart",
    async () => {
      for (const url of ctx.fleet.webUrls()) {
        const response = await fetch(`${url}/healthz`);
        await response.arrayBuffer();
        if (!response.ok) return undefined;
      }
      return true;
    },
    60_000,
  );
  await until(
    "every worker to beat again after the restart",
    async () => {
      const pids = ctx.fleet.workers.map((slot) => ctx.fleet.pidOf(slot.name));
      const rows = await query<{ n: number }>(
        ctx.db,
        "SELECT count(DISTINCT pid)::int AS n FROM worker_heartbeats WHERE pid = ANY($1::int[]) AND last_seen_at > $2",
        [pids, since],
        1000,
      );
      return rows[0]!.n === pids.length ? true : undefined;
    },
    60_000,
  );
  await until(
    "a delivery to be processed after the restart",
    async () => {
      const rows = await query<{ settled: number; pending: number }>(
        ctx.db,
        `SELECT count(*) FILTER (WHERE processed_at > $1)::int AS settled,
                count(*) FILTER (WHERE status IN ('received', 'processing'))::int AS pending
         FROM webhook_deliveries`,
        [since],
        1000,
      );
      return rows[0]!.settled > 0 || rows[0]!.pending === 0 ? true : undefined;
    },
    60_000,
  );
  return {
    heldAtKill: `${before?.n ?? "?"} deliveries unsettled`,
    backMs: upAt - downAt,
    recoveredMs: Date.now() - downAt,
    note:
      ctx.database.restartKind === "restart"
        ? "fast shutdown (every session terminated), then started again"
        : "DATABASE_URL's server is not ours: every connection to the run's database was cut",
  };
}

export async function runChaosEvent(event: ChaosEvent, ctx: ChaosContext): Promise<ChaosOutcome> {
  const started = Date.now();
  const outcome: ChaosOutcome = {
    ...event,
    startedAfterMs: started - ctx.streamStartedAt,
    heldAtKill: "",
    backMs: NaN,
    recoveredMs: NaN,
    note: "",
  };
  try {
    const measured =
      event.kind === "worker SIGKILL"
        ? await killWorker(event, ctx)
        : event.kind === "web SIGKILL"
          ? await killWeb(event, ctx)
          : await restartPostgres(event, ctx);
    Object.assign(outcome, measured, { target: event.target });
  } catch (error) {
    outcome.error = error instanceof Error ? error.message : String(error);
  }
  return outcome;
}
