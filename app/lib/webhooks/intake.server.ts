/**
 * Records a verified webhook delivery and queues its job, in one statement: a delivery is never
 * recorded without its job, nor queued without its record. A webhook id seen before records
 * nothing and queues nothing (Shopify's retries repeat the id).
 */
import type pg from "pg";
import { env } from "../../env.server.ts";
import { taskForTopic } from "./topics.ts";

export interface VerifiedDelivery {
  webhookId: string;
  eventId: string | null;
  topic: string;
  shopDomain: string;
  apiVersion: string;
  subscriptionName: string | null;
  triggeredAt: Date | null;
  /** The body exactly as received (verified JSON). */
  rawBody: string;
}

export type IntakeResult =
  | { outcome: "queued"; task: string }
  | { outcome: "ignored"; reason: string }
  | { outcome: "dead_letter"; reason: string }
  | { outcome: "duplicate" };

const RECORD_AND_QUEUE = `
  WITH delivery AS (
    INSERT INTO webhook_deliveries
      (id, event_id, topic, shop_domain, api_version, subscription_name, triggered_at, payload,
       status, last_error, processed_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb,
       CASE WHEN $9::text IS NULL THEN 'ignored' ELSE 'received' END::delivery_status,
       $10, CASE WHEN $9::text IS NULL THEN now() END)
    ON CONFLICT (id) DO NOTHING
    RETURNING id
  )
  SELECT delivery.id,
         (SELECT job.id FROM graphile_worker.add_job(
            identifier := $9, payload := json_build_object('deliveryId', delivery.id),
            job_key := delivery.id, max_attempts := $11, priority := $12) AS job
          WHERE $9::text IS NOT NULL) AS job_id
  FROM delivery`;

const RECORD_DEAD_LETTER = `
  INSERT INTO webhook_deliveries
    (id, event_id, topic, shop_domain, api_version, subscription_name, triggered_at, payload,
     status, last_error, processed_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, 'dead_letter', $9, now())
  ON CONFLICT (id) DO NOTHING`;

/** SQLSTATEs of valid JSON that jsonb refuses: 22P05 untranslatable character, 22P02 invalid
 * escape, 54001 nesting too deep. */
const UNSTORABLE_JSON = new Set(["22P05", "22P02", "54001"]);

export async function recordDelivery(
  db: Pick<pg.Pool, "query">,
  delivery: VerifiedDelivery,
  priority: number,
): Promise<IntakeResult> {
  const task = taskForTopic(delivery.topic);
  const reason = task ? null : `Recur does not handle the topic ${delivery.topic}`;
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
      delivery.rawBody,
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
      JSON.stringify({ unstorable: true, bytes: Buffer.byteLength(delivery.rawBody) }),
      why,
    ]);
    return rowCount ? { outcome: "dead_letter", reason: why } : { outcome: "duplicate" };
  }
}
