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
 * Deliveries that arrive together are written together (group commit): while one batch commits,
 * the next gathers, and goes in as one statement, one commit and one NOTIFY to the workers. Each
 * request still answers only once its own delivery is committed. graphile-worker's add_job sends a
 * NOTIFY, and PostgreSQL serializes the commits of notifying transactions; one per webhook capped
 * the intake well below its target (docs/decisions/016 has the figures).
 *
 * Bounded (docs/decisions/034): at most WEBHOOK_INTAKE_MAX_PENDING deliveries wait for a statement
 * and WEBHOOK_INTAKE_MAX_BYTES of bodies are held at once; a delivery past either bound, or not
 * recorded within WEBHOOK_LATENCY_BUDGET_MS of its arrival, is answered "overloaded" (503: Shopify
 * retries it). A delivery that was already in a statement when its time ran out may still be
 * recorded; Shopify's retry of it is then a duplicate, absorbed like any other.
 */
import type pg from "pg";
import { env } from "../../env.server.ts";
import { DELIVERY_JOB_KEY_PREFIX, taskForTopic } from "./topics.ts";

/** How far after its receipt a delivery's X-Shopify-Triggered-At may be (SQL interval). */
const TRIGGERED_AT_MARGIN = "interval '5 minutes'";

export interface VerifiedDelivery {
  webhookId: string;
  eventId: string | null;
  topic: string;
  shopDomain: string;
  apiVersion: string;
  subscriptionName: string | null;
  triggeredAt: Date | null;
  /** The body exactly as received (verified JSON, UTF-8). */
  body: Buffer;
  /** When the request arrived (performance.now()): its latency budget counts from here. */
  arrivedAt: number;
}

export type IntakeResult =
  | { outcome: "queued"; task: string }
  | { outcome: "ignored"; reason: string }
  | { outcome: "dead_letter"; reason: string }
  | { outcome: "duplicate" }
  /** Not recorded now (the intake is full, or its budget ran out): answer 503, Shopify retries. */
  | { outcome: "overloaded"; reason: string };

const RECORD_AND_QUEUE = `
  WITH delivery AS (
    INSERT INTO webhook_deliveries
      (id, event_id, topic, shop_domain, api_version, subscription_name, triggered_at, payload,
       status, last_error, processed_at)
    VALUES ($1, $2, $3, $4, $5, $6, least($7::timestamptz, now() + ${TRIGGERED_AT_MARGIN}),
       convert_from($8::bytea, 'UTF8')::jsonb,
       CASE WHEN $9::text IS NULL THEN 'ignored' ELSE 'received' END::delivery_status,
       $10, CASE WHEN $9::text IS NULL THEN now() END)
    ON CONFLICT (id) DO NOTHING
    RETURNING id
  )
  SELECT delivery.id,
         (SELECT job.id FROM graphile_worker.add_job(
            identifier := $9, payload := json_build_object('deliveryId', delivery.id),
            job_key := '${DELIVERY_JOB_KEY_PREFIX}' || delivery.id, max_attempts := $11, priority := $12) AS job
          WHERE $9::text IS NOT NULL) AS job_id
  FROM delivery`;

/** RECORD_AND_QUEUE for many deliveries: arrays in, the ids recorded now out. */
const RECORD_AND_QUEUE_MANY = `
  WITH incoming AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                         $7::timestamptz[], $8::text[], $9::text[], $10::text[], $11::int[])
      AS i(id, event_id, topic, shop_domain, api_version, subscription_name, triggered_at,
           payload, task, reason, priority)
  ),
  delivery AS (
    INSERT INTO webhook_deliveries
      (id, event_id, topic, shop_domain, api_version, subscription_name, triggered_at, payload,
       status, last_error, processed_at)
    SELECT id, event_id, topic, shop_domain, api_version, subscription_name,
           least(triggered_at, now() + ${TRIGGERED_AT_MARGIN}), payload::jsonb, CASE WHEN task IS NULL THEN 'ignored' ELSE 'received' END::delivery_status,
           reason, CASE WHEN task IS NULL THEN now() END
    FROM incoming
    ON CONFLICT (id) DO NOTHING
    RETURNING id
  ),
  specs AS (
    SELECT array_agg(ROW(i.task, json_build_object('deliveryId', d.id), NULL, NULL, $12::int, '${DELIVERY_JOB_KEY_PREFIX}' || d.id,
                         i.priority, NULL)::graphile_worker.job_spec) AS specs
    FROM delivery d JOIN incoming i USING (id)
    WHERE i.task IS NOT NULL
  ),
  queued AS (
    SELECT count(*) AS n FROM specs, graphile_worker.add_jobs(specs.specs) WHERE specs.specs IS NOT NULL
  )
  SELECT delivery.id FROM delivery, queued`;

const RECORD_DEAD_LETTER = `
  INSERT INTO webhook_deliveries
    (id, event_id, topic, shop_domain, api_version, subscription_name, triggered_at, payload,
     status, last_error, processed_at)
  VALUES ($1, $2, $3, $4, $5, $6, least($7::timestamptz, now() + ${TRIGGERED_AT_MARGIN}), $8::jsonb, 'dead_letter', $9, now())
  ON CONFLICT (id) DO NOTHING`;

/** SQLSTATEs of valid JSON that jsonb refuses: 22P05 untranslatable character, 22P02 invalid
 * escape, 54001 nesting too deep. */
const UNSTORABLE_JSON = new Set(["22P05", "22P02", "54001"]);

interface Pending {
  delivery: VerifiedDelivery;
  priority: number;
  resolve(result: IntakeResult): void;
  reject(error: unknown): void;
}

/** Batches at most this many deliveries, or this many bytes of payload, per statement. */
const MAX_BATCH = 200;
const MAX_BATCH_BYTES = 4 * 1024 * 1024;
/** A body larger than this is written in a statement of its own, as bytes (not as text[]). */
const LARGE_BODY_BYTES = 256 * 1024;
/** Batches written at once (each on a connection of its own: WEBHOOK_POOL_SIZE leaves one spare). */
const MAX_IN_FLIGHT = 4;
/** However late a delivery's body arrived, its statement gets at least this long. */
const MIN_RECORD_MS = 1000;

/** Bytes of webhook bodies the process holds (being read, waiting, being written). */
let heldBodyBytes = 0;

/**
 * Holds `bytes` of the process's body budget (WEBHOOK_INTAKE_MAX_BYTES) until the returned release
 * is called, or answers null when they do not fit. One body always fits when nothing else is held.
 */
export function holdBodyBytes(bytes: number): (() => void) | null {
  if (heldBodyBytes > 0 && heldBodyBytes + bytes > env.WEBHOOK_INTAKE_MAX_BYTES) return null;
  heldBodyBytes += bytes;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    heldBodyBytes -= bytes;
  };
}

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

const ignoredReason = (topic: string) => `Recur does not handle the topic ${topic}`;

async function recordMany(db: Pick<pg.Pool, "query">, items: Pending[]): Promise<Set<string>> {
  const column = <T>(value: (item: Pending) => T) => items.map(value);
  const { rows } = await db.query<{ id: string }>({
    name: "recur-record-and-queue-many",
    text: RECORD_AND_QUEUE_MANY,
    values: [
      column((item) => item.delivery.webhookId),
      column((item) => item.delivery.eventId),
      column((item) => item.delivery.topic),
      column((item) => item.delivery.shopDomain),
      column((item) => item.delivery.apiVersion),
      column((item) => item.delivery.subscriptionName),
      column((item) => item.delivery.triggeredAt),
      column((item) => item.delivery.body.toString("utf8")),
      column((item) => taskForTopic(item.delivery.topic) ?? null),
      column((item) =>
        taskForTopic(item.delivery.topic) ? null : ignoredReason(item.delivery.topic),
      ),
      column((item) => item.priority),
      env.WEBHOOK_MAX_ATTEMPTS,
    ],
  });
  return new Set(rows.map((row) => row.id));
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

/** One delivery in a statement of its own, telling apart the payloads jsonb cannot hold. */
async function recordOne(
  db: Pick<pg.Pool, "query">,
  delivery: VerifiedDelivery,
  priority: number,
): Promise<IntakeResult> {
  const task = taskForTopic(delivery.topic);
  const reason = task ? null : ignoredReason(delivery.topic);
  const headerValues = [
    delivery.webhookId,
    delivery.eventId,
    delivery.topic,
    delivery.shopDomain,
    delivery.apiVersion,
    delivery.subscriptionName,
    delivery.triggeredAt,
  ];
  try {
    const { rowCount } = await db.query(RECORD_AND_QUEUE, [
      ...headerValues,
      delivery.body,
      task ?? null,
      reason,
      env.WEBHOOK_MAX_ATTEMPTS,
      priority,
    ]);
    if (!rowCount) return { outcome: "duplicate" };
    return task ? { outcome: "queued", task } : { outcome: "ignored", reason: reason! };
  } catch (error) {
    // Valid JSON that PostgreSQL's jsonb cannot hold (a \u0000 escape, a lone surrogate escape,
    // nesting deeper than its stack allows): keep the delivery's record, as a dead letter saying
    // why, rather than lose it to a 500 and Shopify's retries.
    if (!UNSTORABLE_JSON.has((error as { code?: string }).code ?? "")) throw error;
    const why = `the payload cannot be stored: ${(error as Error).message}`;
    const { rowCount } = await db.query(RECORD_DEAD_LETTER, [
      ...headerValues,
      JSON.stringify({ unstorable: true, bytes: delivery.body.length }),
      why,
    ]);
    return rowCount ? { outcome: "dead_letter", reason: why } : { outcome: "duplicate" };
  }
}
