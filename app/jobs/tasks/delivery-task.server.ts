/**
 * What every webhook task does around its own work:
 *
 * 1. marks the delivery `processing` (an already settled delivery is left alone);
 * 2. parses the payload with the topic's schema: a payload that can never succeed becomes a dead
 *    letter at once, with the schema's complaint, without burning retries;
 * 3. in one transaction: skips a twin of an event already processed (same X-Shopify-Event-Id),
 *    checks the shop, does the task's writes, and settles the delivery `processed` or `ignored`;
 * 4. on error, rolls back, keeps the error on the delivery and lets graphile-worker retry. When the
 *    job has no attempts left, the sweeper turns the delivery into a dead letter.
 */
import type pg from "pg";
import type { z } from "zod";
import { pool } from "../../db.server.ts";
import {
  deadLetter,
  processedTwin,
  recordFailure,
  settle,
  startProcessing,
  type DeliveryOutcome,
  type DeliveryRow,
} from "../../lib/store/deliveries.server.ts";
import { findShopByDomain, type ShopRow } from "../../lib/store/shops.server.ts";
import type { DeliveryTaskName } from "../../lib/webhooks/topics.ts";
import { defineTask } from "../define-task.server.ts";

export interface DeliveryContext<Payload, Shop extends ShopRow | undefined> {
  /** A client inside the delivery's transaction. */
  client: pg.PoolClient;
  delivery: DeliveryRow;
  payload: Payload;
  shop: Shop;
  logFields: Record<string, unknown>;
}

type ShopRule =
  /** The shop must be installed; otherwise the delivery is ignored. */
  | "installed"
  /** Any shop, installed or not, known or not (uninstall and privacy topics). */
  | "any";

interface DeliveryTaskOptions<S extends z.ZodType, R extends ShopRule> {
  schema: S;
  shop: R;
  process: (
    context: DeliveryContext<z.output<S>, R extends "installed" ? ShopRow : ShopRow | undefined>,
  ) => Promise<DeliveryOutcome>;
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.join(".") || "payload"}: ${issue.message}`)
    .join("; ");
}

export function defineDeliveryTask<
  T extends DeliveryTaskName,
  S extends z.ZodType,
  R extends ShopRule,
>(name: T, options: DeliveryTaskOptions<S, R>) {
  return defineTask(name, async ({ deliveryId }, { logFields }) => {
    logFields.deliveryId = deliveryId;
    const delivery = await startProcessing(pool, deliveryId);
    if (!delivery) {
      logFields.outcome = "already settled";
      return;
    }
    logFields.shop = delivery.shopDomain;
    logFields.topic = delivery.topic;

    const parsed = options.schema.safeParse(delivery.payload);
    if (!parsed.success) {
      const reason = `The ${delivery.topic} payload does not match Shopify's format: ${describeIssues(parsed.error)}`;
      await deadLetter(pool, delivery.id, reason);
      logFields.outcome = "dead_letter";
      return;
    }

    const client = await pool.connect();
    try {
      await client.query("BEGIN");
      const outcome = await processInTransaction(client, delivery, parsed.data, options, logFields);
      await settle(client, delivery.id, outcome);
      await client.query("COMMIT");
      logFields.outcome = outcome.status;
      if (outcome.status === "ignored") logFields.reason = outcome.reason;
    } catch (error) {
      await client.query("ROLLBACK").catch(() => {});
      await recordFailure(
        pool,
        delivery.id,
        error instanceof Error ? error.message : String(error),
      );
      throw error;
    } finally {
      client.release();
    }
  });
}

async function processInTransaction<S extends z.ZodType, R extends ShopRule>(
  client: pg.PoolClient,
  delivery: DeliveryRow,
  payload: z.output<S>,
  options: DeliveryTaskOptions<S, R>,
  logFields: Record<string, unknown>,
): Promise<DeliveryOutcome> {
  if (delivery.eventId) {
    // Twins of one event are settled one at a time, so exactly one of them does the work.
    await client.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [
      `${delivery.shopDomain}/${delivery.eventId}`,
    ]);
    const twin = await processedTwin(client, delivery);
    if (twin) {
      return { status: "ignored", reason: `Same event as delivery ${twin}, already processed` };
    }
  }
  const shop = await findShopByDomain(client, delivery.shopDomain);
  if (options.shop === "installed" && shop?.state !== "installed") {
    return {
      status: "ignored",
      reason: shop
        ? `${delivery.shopDomain} has uninstalled Recur`
        : `${delivery.shopDomain} has not installed Recur`,
    };
  }
  return options.process({
    client,
    delivery,
    payload,
    shop: shop as R extends "installed" ? ShopRow : ShopRow | undefined,
    logFields,
  });
}
