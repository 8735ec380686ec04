/**
 * Ingests of different shops run at once, up to a cluster-wide cap (docs/decisions/036):
 *
 * - each shop's ingests of one entity are a graphile-worker queue of their own
 *   (`sync-ingest:<shop id>:<entity>`), so two runs of one entity of a shop are ingested one after
 *   the other, a shop's customers and orders side by side (docs/decisions/062), and neither holds
 *   another shop's;
 * - an ingest holds one of `SYNC_INGEST_CONCURRENCY` slots while it runs: a session-level
 *   PostgreSQL advisory lock on its own connection (released with the connection, should the
 *   worker die). An ingest that finds every slot taken queues itself again for later and ends;
 *   an ingest that gives its slot back wakes the waiting ones at once.
 */
import type pg from "pg";
import type { Queryable } from "../../db.server.ts";
import { enqueueJob } from "../queue/enqueue.server.ts";
import type { SyncEntity } from "./bulk-queries.ts";

/** Advisory lock class of the ingest slots ("RCRI"); the slot number is the lock's second key. */
const SLOT_LOCK_CLASS = 0x52435249;

/** How long an ingest that found no slot waits at most before it looks again. */
export const SLOT_WAIT_MS = 10_000;

export function ingestQueue(shopId: number, entity: SyncEntity): string {
  return `sync-ingest:${shopId}:${entity}`;
}

/** Queues a run's ingest (at once, or at `runAt`); at most one pending per run. */
export async function enqueueIngest(
  db: Queryable,
  run: { id: number; shopId: number; entity: SyncEntity },
  runAt?: Date,
): Promise<void> {
  await enqueueJob(
    db,
    "sync.ingest",
    { syncRunId: run.id },
    {
      jobKey: `sync-ingest:${run.id}`,
      queueName: ingestQueue(run.shopId, run.entity),
      maxAttempts: 5,
      runAt,
    },
  );
}

/** Takes a free slot on this connection; undefined when all `cap` are taken. */
export async function takeIngestSlot(
  client: pg.PoolClient,
  cap: number,
): Promise<number | undefined> {
  for (let slot = 0; slot < cap; slot++) {
    const { rows } = await client.query<{ taken: boolean }>(
      "SELECT pg_try_advisory_lock($1, $2) AS taken",
      [SLOT_LOCK_CLASS, slot],
    );
    if (rows[0]!.taken) return slot;
  }
  return undefined;
}

export async function releaseIngestSlot(client: pg.PoolClient, slot: number): Promise<void> {
  await client.query("SELECT pg_advisory_unlock($1, $2)", [SLOT_LOCK_CLASS, slot]);
}

/** Makes the ingests waiting for a slot due now (not the ones backing off after a failure). */
export async function wakeWaitingIngests(db: Queryable): Promise<void> {
  await db.query(
    `SELECT graphile_worker.reschedule_jobs(array_agg(id), run_at := now())
     FROM graphile_worker.jobs
     WHERE task_identifier = 'sync.ingest' AND locked_at IS NULL AND attempts = 0 AND run_at > now()
     HAVING count(*) > 0`,
  );
}
