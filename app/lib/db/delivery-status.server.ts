/** Webhook deliveries: their status as their jobs move them along. Every query names its shop or id. */
import pg from "pg";
import { env } from "../../env.server.ts";
import { withTransaction, type Queryable } from "../../db.server.ts";
import { enqueueJob } from "../queue/enqueue.server.ts";
import { deliveryJobKey, TOPIC_TASKS, taskForTopic } from "../webhooks/topics.ts";
import { parseExactJson } from "./exact-json.ts";

const { escapeLiteral } = pg;
import type { ShopRow } from "./shops.server.ts";

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

// The payload travels as jsonb's text (exact: jsonb keeps numbers as numeric) and is parsed by
// parseExactJson, never by pg's JSON.parse, which rounds Shopify's ids above 2^53. `attempts` is
// the attempt being made: settling it counts it.
const DELIVERY_FIELDS = `d.id, d.event_id AS "eventId", d.topic, d.shop_domain AS "shopDomain",
  d.triggered_at AS "triggeredAt", d.received_at AS "receivedAt", d.payload::text AS payload,
  d.attempts + 1 AS attempts`;

type StartedRow = Omit<DeliveryRow, "payload"> & { payload: string; shop: ShopRow | null };
export type StartedDelivery = { delivery: DeliveryRow; shop: ShopRow | undefined };

/** $1 the delivery id (or its escaped literal: startProcessingStatement). */
const startSql = (id: string) => `SELECT ${DELIVERY_FIELDS},
    CASE WHEN s.id IS NOT NULL THEN json_build_object('id', s.id, 'domain', s.domain,
      'state', s.state, 'installedAt', s.installed_at, 'uninstalledAt', s.uninstalled_at) END AS shop
  FROM webhook_deliveries d LEFT JOIN shops s ON s.domain = d.shop_domain
  WHERE d.id = ${id} AND d.status IN ('received', 'processing')
  FOR UPDATE OF d`;

/**
 * Locks a delivery that is still to be processed, in the caller's transaction (which holds the row
 * until it ends), and reads it with its shop in the same statement. Returns nothing when the
 * delivery is already settled (processed, skipped, ignored, dead letter) or gone (erased by
 * shop/redact). The attempt is counted by the statement that settles it (settle, deadLetter), or
 * by recordFailure when the transaction rolls back: one write of the row per delivery, not two
 * (docs/decisions/067).
 *
 * The statement is prepared once per connection (named): planning it each time cost more than
 * running it (docs/decisions/017). The delivery task sends it with its BEGIN instead
 * (startProcessingStatement).
 */
export async function startProcessing(
  db: Queryable,
  deliveryId: string,
): Promise<StartedDelivery | undefined> {
  const result = await db.query<StartedRow>({
    name: "start-processing",
    text: startSql("$1"),
    values: [deliveryId],
  });
  return startedDelivery(result);
}

/** startProcessing's statement as SQL text, to send with a BEGIN (withTransaction's firstStatement). */
export function startProcessingStatement(deliveryId: string): string {
  return startSql(escapeLiteral(deliveryId));
}

/** The delivery startProcessing or its statement read, or undefined when there was none. */
export function startedDelivery(
  result: Pick<pg.QueryResult, "rows"> | undefined,
): StartedDelivery | undefined {
  const row = result?.rows[0] as StartedRow | undefined;
  if (!row) return undefined;
  const { shop, payload, ...delivery } = row;
  return {
    delivery: { ...delivery, payload: parseExactJson(payload) },
    shop: shop
      ? {
          ...shop,
          installedAt: new Date(shop.installedAt),
          uninstalledAt: shop.uninstalledAt ? new Date(shop.uninstalledAt) : null,
        }
      : undefined,
  };
}

export type DeliveryOutcome =
  | { status: "processed" }
  | { status: "ignored"; reason: string }
  /** A stale message: older than what is stored, so nothing was written (guarded-upsert/older-than-stored.server.ts). */
  | { status: "skipped"; reason: string };

/** $1 id, $2 status, $3 reason; or their escaped literals (settleStatement). */
const settleSql = (id: string, status: string, reason: string) => `UPDATE webhook_deliveries
  SET status = ${status}::delivery_status, attempts = attempts + 1, last_error = ${reason},
    processed_at = now()
  WHERE id = ${id}`;

/**
 * Settles a delivery and counts its attempt, in the transaction that made its writes (prepared,
 * as startProcessing is).
 */
export async function settle(db: Queryable, deliveryId: string, outcome: DeliveryOutcome) {
  const reason = outcome.status === "processed" ? null : outcome.reason;
  await db.query({
    name: "settle-delivery",
    text: settleSql("$1", "$2", "$3"),
    values: [deliveryId, outcome.status, reason],
  });
}

/** settle's statement as SQL text, to send with a COMMIT (withTransaction's lastStatement). */
export function settleStatement(deliveryId: string, outcome: DeliveryOutcome): string {
  return settleSql(
    escapeLiteral(deliveryId),
    escapeLiteral(outcome.status),
    outcome.status === "processed" ? "NULL" : escapeLiteral(outcome.reason),
  );
}

/** Makes a delivery a dead letter and counts its attempt, in the caller's transaction. */
export async function deadLetter(db: Queryable, deliveryId: string, reason: string) {
  await db.query(
    `UPDATE webhook_deliveries SET status = 'dead_letter', attempts = attempts + 1,
       last_error = $2, processed_at = now()
     WHERE id = $1`,
    [deliveryId, reason],
  );
}

/**
 * Records a failed attempt (its transaction rolled back, attempt count and all): the delivery is
 * `processing` with the error, and its job retries.
 */
export async function recordFailure(db: Queryable, deliveryId: string, error: string) {
  await db.query(
    `UPDATE webhook_deliveries SET status = 'processing', attempts = attempts + 1, last_error = $2
     WHERE id = $1 AND status IN ('received', 'processing')`,
    [deliveryId, error],
  );
}

/**
 * At most one delivery of an event (X-Shopify-Event-Id) is `processed`: two subscriptions to one
 * topic deliver one event twice, under two webhook ids. A partial unique index holds the rule; a
 * twin that loses the race fails to settle with this constraint's name.
 */
export const ONE_PROCESSED_PER_EVENT = "webhook_deliveries_one_processed_per_event";

/** The processed delivery of the same event as this one. */
export async function processedTwin(
  db: Queryable,
  delivery: Pick<DeliveryRow, "id" | "eventId" | "shopDomain">,
): Promise<string | undefined> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT id FROM webhook_deliveries
     WHERE shop_domain = $1 AND event_id = $2 AND id <> $3 AND status = 'processed'`,
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
  db: pg.Pool,
  shopDomain: string,
  ids: string[],
): Promise<RetryOutcome> {
  const unique = [...new Set(ids)];
  const { found, flipped } = await withTransaction(db, async (client) => {
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
        { jobKey: deliveryJobKey(delivery.id), maxAttempts: env.WEBHOOK_MAX_ATTEMPTS },
      );
    }
    return { found, flipped };
  });
  const foundIds = new Set(found.map((row) => row.id));
  const retried = new Set(flipped.map((row) => row.id));
  return {
    retried: unique.filter((id) => retried.has(id)),
    notFound: unique.filter((id) => !foundIds.has(id)),
    notDeadLetters: unique.filter((id) => foundIds.has(id) && !retried.has(id)),
  };
}
