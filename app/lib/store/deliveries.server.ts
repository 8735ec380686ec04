/** Webhook deliveries: their status as their jobs move them along. Every query names its shop or id. */
import type pg from "pg";
import { env } from "../../env.server.ts";
import { enqueueJob, type Queryable } from "../../jobs/enqueue.server.ts";
import { TOPIC_TASKS, taskForTopic } from "../webhooks/topics.ts";

export interface DeliveryRow {
  id: string;
  eventId: string | null;
  topic: string;
  shopDomain: string;
  triggeredAt: Date | null;
  receivedAt: Date;
  payload: unknown;
  attempts: number;
}

const DELIVERY_FIELDS = `id, event_id AS "eventId", topic, shop_domain AS "shopDomain",
  triggered_at AS "triggeredAt", received_at AS "receivedAt", payload, attempts`;

/**
 * Marks a delivery `processing` and counts the attempt. Returns nothing when the delivery is
 * already settled (processed, ignored, dead letter) or gone (erased by shop/redact).
 */
export async function startProcessing(
  db: Queryable,
  deliveryId: string,
): Promise<DeliveryRow | undefined> {
  const { rows } = await db.query<DeliveryRow>(
    `UPDATE webhook_deliveries SET status = 'processing', attempts = attempts + 1
     WHERE id = $1 AND status IN ('received', 'processing')
     RETURNING ${DELIVERY_FIELDS}`,
    [deliveryId],
  );
  return rows[0];
}

export type DeliveryOutcome = { status: "processed" } | { status: "ignored"; reason: string };

/** Settles a delivery; called in the transaction that made its writes. */
export async function settle(db: Queryable, deliveryId: string, outcome: DeliveryOutcome) {
  await db.query(
    `UPDATE webhook_deliveries
     SET status = $2::delivery_status, last_error = $3, processed_at = now()
     WHERE id = $1`,
    [deliveryId, outcome.status, outcome.status === "ignored" ? outcome.reason : null],
  );
}

export async function deadLetter(db: Queryable, deliveryId: string, reason: string) {
  await db.query(
    `UPDATE webhook_deliveries SET status = 'dead_letter', last_error = $2, processed_at = now()
     WHERE id = $1`,
    [deliveryId, reason],
  );
}

/** Keeps the error of a failed attempt on the delivery; its job retries. */
export async function recordFailure(db: Queryable, deliveryId: string, error: string) {
  await db.query(
    "UPDATE webhook_deliveries SET last_error = $2 WHERE id = $1 AND status = 'processing'",
    [deliveryId, error],
  );
}

/**
 * The delivery of the same event (X-Shopify-Event-Id) that was already processed, if any. Two
 * subscriptions to one topic deliver one event twice, under two webhook ids.
 */
export async function processedTwin(
  db: Queryable,
  delivery: Pick<DeliveryRow, "id" | "eventId" | "shopDomain">,
): Promise<string | undefined> {
  if (!delivery.eventId) return undefined;
  const { rows } = await db.query<{ id: string }>(
    `SELECT id FROM webhook_deliveries
     WHERE shop_domain = $1 AND event_id = $2 AND id <> $3 AND status = 'processed' LIMIT 1`,
    [delivery.shopDomain, delivery.eventId, delivery.id],
  );
  return rows[0]?.id;
}

export interface RetryOutcome {
  /** Dead letters flipped back to `received`, each with its job queued again. */
  retried: string[];
  /** Ids that are no delivery of this shop (another shop's, erased, or never seen). */
  notFound: string[];
  /** Deliveries of this shop that are not dead letters (or whose topic has no task). */
  notDeadLetters: string[];
}

/**
 * The merchant's "Retry": flips the shop's dead letters among `ids` back to `received` and queues
 * each one's job again under its delivery id, in one transaction. Ids of another shop change nothing.
 */
export async function retryDeadLetters(
  db: Pick<pg.Pool, "connect">,
  shopDomain: string,
  ids: string[],
): Promise<RetryOutcome> {
  const unique = [...new Set(ids)];
  const client = await db.connect();
  try {
    await client.query("BEGIN");
    const { rows: found } = await client.query<{ id: string }>(
      `SELECT id FROM webhook_deliveries WHERE shop_domain = $1 AND id = ANY($2::text[]) FOR UPDATE`,
      [shopDomain, unique],
    );
    const { rows: flipped } = await client.query<{ id: string; topic: string }>(
      `UPDATE webhook_deliveries SET status = 'received', processed_at = NULL
       WHERE shop_domain = $1 AND id = ANY($2::text[]) AND status = 'dead_letter'
         AND topic = ANY($3::text[])
       RETURNING id, topic`,
      [shopDomain, unique, Object.keys(TOPIC_TASKS)],
    );
    for (const delivery of flipped) {
      await enqueueJob(
        client,
        taskForTopic(delivery.topic)!,
        { deliveryId: delivery.id },
        { jobKey: delivery.id, maxAttempts: env.WEBHOOK_MAX_ATTEMPTS },
      );
    }
    await client.query("COMMIT");
    const foundIds = new Set(found.map((row) => row.id));
    const retried = new Set(flipped.map((row) => row.id));
    return {
      retried: unique.filter((id) => retried.has(id)),
      notFound: unique.filter((id) => !foundIds.has(id)),
      notDeadLetters: unique.filter((id) => foundIds.has(id) && !retried.has(id)),
    };
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
