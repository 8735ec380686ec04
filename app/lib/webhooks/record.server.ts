/**
 * The intake's statements (intake.server.ts batches the deliveries they carry): a delivery's record
 * and its job in one statement, one delivery or many, and the dead letter of a payload PostgreSQL
 * cannot store.
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

/** A delivery and the priority of its job. */
export interface Queued {
  delivery: VerifiedDelivery;
  priority: number;
}

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

/**
 * RECORD_AND_QUEUE for many deliveries: arrays in, the ids recorded now out. The bodies go in as
 * one JSON array, their bytes joined with commas in a binary parameter ($8: `[b1,b2,...]`, each
 * body already verified as JSON), which PostgreSQL parses once and splits by position: no body is
 * decoded into a string, escaped into an array literal and parsed back by node-postgres and
 * PostgreSQL (docs/decisions/056).
 */
export const RECORD_AND_QUEUE_MANY = `
  WITH incoming AS (
    SELECT i.*, body.payload
    FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                $7::timestamptz[], $9::text[], $10::text[], $11::int[]) WITH ORDINALITY
      AS i(id, event_id, topic, shop_domain, api_version, subscription_name, triggered_at,
           task, reason, priority, n)
    JOIN jsonb_array_elements(convert_from($8::bytea, 'UTF8')::jsonb) WITH ORDINALITY
      AS body(payload, n) USING (n)
  ),
  delivery AS (
    INSERT INTO webhook_deliveries
      (id, event_id, topic, shop_domain, api_version, subscription_name, triggered_at, payload,
       status, last_error, processed_at)
    SELECT id, event_id, topic, shop_domain, api_version, subscription_name,
           least(triggered_at, now() + ${TRIGGERED_AT_MARGIN}), payload, CASE WHEN task IS NULL THEN 'ignored' ELSE 'received' END::delivery_status,
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

const OPEN = Buffer.from("[");
const COMMA = Buffer.from(",");
const CLOSE = Buffer.from("]");

/** The bodies as one JSON array: `[`, each body's bytes, `,` between them, `]`. */
export function jsonArrayOf(bodies: Buffer[]): Buffer {
  const parts: Buffer[] = [OPEN];
  bodies.forEach((body, index) => {
    if (index > 0) parts.push(COMMA);
    parts.push(body);
  });
  parts.push(CLOSE);
  return Buffer.concat(parts);
}

const RECORD_DEAD_LETTER = `
  INSERT INTO webhook_deliveries
    (id, event_id, topic, shop_domain, api_version, subscription_name, triggered_at, payload,
     status, last_error, processed_at)
  VALUES ($1, $2, $3, $4, $5, $6, least($7::timestamptz, now() + ${TRIGGERED_AT_MARGIN}), $8::jsonb, 'dead_letter', $9, now())
  ON CONFLICT (id) DO NOTHING`;

/** SQLSTATEs of valid JSON that jsonb refuses: 22P05 untranslatable character, 22P02 invalid
 * escape, 54001 nesting too deep. */
export const UNSTORABLE_JSON = new Set(["22P05", "22P02", "54001"]);

export const ignoredReason = (topic: string) => `Recur does not handle the topic ${topic}`;

export async function recordMany(
  db: Pick<pg.Pool, "query">,
  items: Queued[],
): Promise<Set<string>> {
  const column = <T>(value: (item: Queued) => T) => items.map(value);
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
      jsonArrayOf(column((item) => item.delivery.body)),
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

/** One delivery in a statement of its own, telling apart the payloads jsonb cannot hold. */
export async function recordOne(
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
