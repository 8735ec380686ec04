/**
 * Records a verified webhook delivery and queues its job, in one statement: a delivery is never
 * recorded without its job, nor queued without its record. A webhook id seen before records
 * nothing and queues nothing (Shopify's retries repeat the id). An X-Shopify-Triggered-At more than
 * TRIGGERED_AT_MARGIN after the delivery's receipt is recorded as the receipt's time plus that
 * margin: the header is not covered by the HMAC, and a tombstone or an uninstall dated far in the
 * future would outrank every later version. Not the receipt's time itself: Shopify's stamps run
 * ahead of the wall clock under a burst of changes (one-second resolution, always moving forward)
 * and clocks drift, so a genuine deletion clamped to our "now" could be older than the resource's
 * own last updated_at, and lost (the stand-in's duplicated and reordered bursts showed it).
 *
 * Deliveries that arrive together are written together (group commit): while one batch is written
 * and commits, the next gathers, and goes in as one statement, one commit and one NOTIFY to the
 * workers; one statement at a time, so that the busier the intake, the larger its batches. Each
 * request still answers only once its own delivery is committed. graphile-worker's add_job sends a
 * NOTIFY, and PostgreSQL serializes the commits of notifying transactions; one per webhook capped
 * the intake well below its target (docs/decisions/016 has the figures).
 *
 * Bounded (docs/decisions/034, 047): the route admits a delivery before reading its body
 * (admission.server.ts: WEBHOOK_INTAKE_MAX_DELIVERIES and WEBHOOK_INTAKE_MAX_BYTES); here at most
 * WEBHOOK_INTAKE_MAX_PENDING deliveries wait for a statement. A delivery past a bound, or not
 * recorded within WEBHOOK_LATENCY_BUDGET_MS of its arrival, is answered "overloaded" (503: Shopify
 * retries it). A delivery that was already in a statement when its time ran out may still be
 * recorded; Shopify's retry of it is then a duplicate, absorbed like any other. The statements
 * themselves are in record.server.ts.
 */
import type pg from "pg";
import { env } from "../../env.server.ts";
import {
  ignoredReason,
  recordMany,
  recordOne,
  UNSTORABLE_JSON,
  type IntakeResult,
  type VerifiedDelivery,
} from "./record.server.ts";
import { taskForTopic } from "./topics.ts";

export type { IntakeResult, VerifiedDelivery } from "./record.server.ts";

interface Pending {
  delivery: VerifiedDelivery;
  priority: number;
  resolve(result: IntakeResult): void;
  reject(error: unknown): void;
}

/** Batches at most this many deliveries, or this many bytes of payload, per statement. */
const MAX_BATCH = 200;
const MAX_BATCH_BYTES = 4 * 1024 * 1024;
/** A body larger than this is written in a statement of its own. */
const LARGE_BODY_BYTES = 256 * 1024;
/**
 * Batches written at once (WEBHOOK_POOL_SIZE leaves a connection spare). One: every statement
 * queues jobs, and PostgreSQL commits notifying transactions one at a time, so a second statement
 * mostly waits for that lock while holding deliveries that would have joined the next batch; and
 * what a statement costs beyond its deliveries (planning its statements at each call, the commit,
 * the NOTIFY) is then shared by half as many. Under load, deliveries wait for the statement in
 * flight and go in together: at 32 connections, 23 a statement instead of 13, and a fifth less
 * CPU per delivery in both PostgreSQL and the web process (docs/decisions/066).
 */
export const MAX_IN_FLIGHT = 1;
/** However late a delivery's body arrived, its statement gets at least this long. */
const MIN_RECORD_MS = 1000;

class IntakeBatcher {
  private pending: Pending[] = [];
  private inFlight = 0;
  private scheduled = false;

  private readonly db: Pick<pg.Pool, "query">;

  constructor(db: Pick<pg.Pool, "query">) {
    this.db = db;
  }

  record(delivery: VerifiedDelivery, priority: number): Promise<IntakeResult> {
    if (this.pending.length >= env.WEBHOOK_INTAKE_MAX_PENDING) {
      return Promise.resolve({
        outcome: "overloaded",
        reason: `${this.pending.length} deliveries are already waiting to be recorded`,
      });
    }
    return new Promise((resolve, reject) => {
      let settled = false;
      const budget = Math.max(
        MIN_RECORD_MS,
        delivery.arrivedAt + env.WEBHOOK_LATENCY_BUDGET_MS - performance.now(),
      );
      const item: Pending = {
        delivery,
        priority,
        resolve: (result) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve(result);
        },
        reject: (error) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          reject(error);
        },
      };
      // Out of time: a delivery still waiting is dropped from the queue (never written); one in a
      // statement is answered now, and may still be recorded (Shopify's retry is then a duplicate).
      const timer = setTimeout(() => {
        const index = this.pending.indexOf(item);
        if (index >= 0) this.pending.splice(index, 1);
        item.resolve({
          outcome: "overloaded",
          reason: `not recorded within ${env.WEBHOOK_LATENCY_BUDGET_MS} ms`,
        });
      }, budget);
      this.pending.push(item);
      this.schedule();
    });
  }

  /** Writes what is pending after the current turn of the event loop (others may join). */
  private schedule() {
    if (this.scheduled || this.inFlight >= MAX_IN_FLIGHT || this.pending.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      while (this.pending.length > 0 && this.inFlight < MAX_IN_FLIGHT) {
        const batch = this.take();
        this.inFlight++;
        void this.write(batch).finally(() => {
          this.inFlight--;
          this.schedule();
        });
      }
    });
  }

  /** The next batch: small bodies together, up to MAX_BATCH_BYTES; a large body alone. */
  private take(): Pending[] {
    let bytes = 0;
    let count = 0;
    while (count < this.pending.length && count < MAX_BATCH) {
      const size = this.pending[count]!.delivery.body.length;
      if (count > 0 && (size > LARGE_BODY_BYTES || bytes + size > MAX_BATCH_BYTES)) break;
      bytes += size;
      count++;
      if (size > LARGE_BODY_BYTES) break;
    }
    return this.pending.splice(0, count);
  }

  private async write(batch: Pending[]): Promise<void> {
    if (batch.length === 1) {
      // One delivery (a quiet moment, or a large body): its own statement, its body sent as bytes.
      const [item] = batch as [Pending];
      await recordOne(this.db, item.delivery, item.priority).then(item.resolve, item.reject);
      return;
    }
    // A webhook id twice in one batch: the first is recorded, the others are duplicates of it.
    const firsts = new Map<string, Pending>();
    for (const item of batch) {
      if (!firsts.has(item.delivery.webhookId)) firsts.set(item.delivery.webhookId, item);
    }
    let recorded: Set<string>;
    try {
      recorded = await recordMany(this.db, [...firsts.values()]);
    } catch (error) {
      if (!UNSTORABLE_JSON.has((error as { code?: string }).code ?? "")) {
        // The database failed (gone, too slow, a statement timeout): every delivery of the batch
        // fails at once; retrying them one by one would only wait for the same failure again.
        for (const item of batch) item.reject(error);
        return;
      }
      // One payload spoiled the batch (valid JSON that jsonb cannot hold): record each on its own,
      // in arrival order, so that each gets its own outcome.
      for (const item of batch) {
        await recordOne(this.db, item.delivery, item.priority).then(item.resolve, item.reject);
      }
      return;
    }
    for (const item of batch) {
      const { delivery } = item;
      if (firsts.get(delivery.webhookId) !== item || !recorded.has(delivery.webhookId)) {
        item.resolve({ outcome: "duplicate" });
        continue;
      }
      const task = taskForTopic(delivery.topic);
      item.resolve(
        task
          ? { outcome: "queued", task }
          : { outcome: "ignored", reason: ignoredReason(delivery.topic) },
      );
    }
  }
}

const batchers = new WeakMap<object, IntakeBatcher>();

export function recordDelivery(
  db: Pick<pg.Pool, "query">,
  delivery: VerifiedDelivery,
  priority: number,
): Promise<IntakeResult> {
  let batcher = batchers.get(db);
  if (!batcher) batchers.set(db, (batcher = new IntakeBatcher(db)));
  return batcher.record(delivery, priority);
}
