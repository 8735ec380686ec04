/** Webhook deliveries: their status as their jobs move them along. Every query names its shop or id. */
import pg from "pg";
import { env } from "../../env.server.ts";
import { withTransaction, type Queryable } from "../../db.server.ts";
import { enqueueJob } from "../queue/enqueue.server.ts";
import {
  DELIVERY_JOB_KEY_PREFIX,
  deliveryJobKey,
  TOPIC_TASKS,
  taskForTopic,
} from "../webhooks/topics.ts";
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

/**
 * Settles several deliveries of one transaction in one statement (a batch: claimSiblings), as
 * settleStatement settles one, to send with the COMMIT.
 */
export function settleManyStatement(outcomes: { id: string; outcome: DeliveryOutcome }[]): string {
  const rows = outcomes.map(
    ({ id, outcome }) =>
      `(${escapeLiteral(id)}, ${escapeLiteral(outcome.status)}, ${
        outcome.status === "processed" ? "NULL" : escapeLiteral(outcome.reason)
      })`,
  );
  return `UPDATE webhook_deliveries d
  SET status = v.status::delivery_status, attempts = d.attempts + 1, last_error = v.reason,
    processed_at = now()
  FROM (VALUES ${rows.join(", ")}) AS v(id, status, reason)
  WHERE d.id = v.id`;
}

/**
 * $1 shop domain, $2 topics, $3 the delivery whose job runs, $4 its event id, $5 how many. The
 * candidates are locked (SKIP LOCKED: one another transaction holds is left to it); a twin of an
 * event (another delivery of it processed, or in the batch, or the running delivery's own event)
 * is left to its own job, where the one-processed-per-event rule is met one delivery at a time.
 * The claimed deliveries' jobs are completed (deleted) here, in the caller's transaction; a job a
 * worker holds is not (complete_jobs leaves locked jobs), and its delivery is not claimed.
 */
const CLAIM_SIBLINGS = `WITH candidates AS (
    SELECT d.id, d.event_id FROM webhook_deliveries d
    WHERE d.shop_domain = $1 AND d.status = 'received' AND d.topic = ANY($2::text[]) AND d.id <> $3
    LIMIT $5
    FOR UPDATE SKIP LOCKED
  ),
  claimable AS (
    SELECT c.id FROM candidates c
    WHERE c.event_id IS NULL OR (
      c.event_id IS DISTINCT FROM $4::text
      AND (SELECT count(*) FROM candidates o WHERE o.event_id = c.event_id) = 1
      AND NOT EXISTS (SELECT FROM webhook_deliveries t
                      WHERE t.shop_domain = $1 AND t.event_id = c.event_id AND t.status = 'processed'))
  ),
  claimed AS (
    SELECT key FROM graphile_worker.complete_jobs(ARRAY(
      SELECT j.id FROM graphile_worker.jobs j
      WHERE j.key = ANY(ARRAY(SELECT '${DELIVERY_JOB_KEY_PREFIX}' || id FROM claimable))))
  )
  SELECT ${DELIVERY_FIELDS} FROM webhook_deliveries d
  WHERE d.id = ANY(ARRAY(SELECT substr(key, ${DELIVERY_JOB_KEY_PREFIX.length + 1}) FROM claimed))`;

/**
 * Claims up to `limit` other deliveries of the running one's shop and task that are still to be
 * processed, with their jobs, for the caller's transaction: its COMMIT settles them, its ROLLBACK
 * gives them and their jobs back untouched (docs/decisions/081).
 */
export async function claimSiblings(
  db: Queryable,
  delivery: Pick<DeliveryRow, "id" | "eventId" | "shopDomain">,
  topics: string[],
  limit: number,
): Promise<DeliveryRow[]> {
  const { rows } = await db.query<Omit<DeliveryRow, "payload"> & { payload: string }>({
    name: "claim-sibling-deliveries",
    text: CLAIM_SIBLINGS,
    values: [delivery.shopDomain, topics, delivery.id, delivery.eventId, limit],
  });
  return rows.map(({ payload, ...row }) => ({ ...row, payload: parseExactJson(payload) }));
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
