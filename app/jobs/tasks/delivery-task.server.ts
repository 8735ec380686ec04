/**
 * What every webhook task does around its own work, in one transaction (withTransaction below):
 * 1. locks the delivery and reads it with its shop (an already settled delivery is left alone);
 * 2. parses the payload with the topic's schema: a payload that can never succeed becomes a dead
 *    letter at once, with the schema's complaint, without burning retries;
 * 3. checks the shop, does the task's writes, and settles the delivery `processed`, `skipped`
 *    (older than stored: nothing written) or `ignored`, counting the attempt.
 *    At most one delivery of an event is `processed` (a partial unique index): a twin that loses
 *    the race rolls back and is recorded `ignored`, naming the one processed.
 * On error the transaction rolls back; the task records the attempt and its error on the delivery
 * (`processing`) and lets graphile-worker retry. When the job has no attempts left, the sweeper
 * turns the delivery into a dead letter.
 */
import type pg from "pg";
import type { z } from "zod";
import { pool, withTransaction } from "../../db.server.ts";
import {
  deadLetter,
  ONE_PROCESSED_PER_EVENT,
  processedTwin,
  recordFailure,
  settle,
  settleStatement,
  startedDelivery,
  startProcessing,
  startProcessingStatement,
  type DeliveryOutcome,
  type DeliveryRow,
} from "../../lib/db/delivery-status.server.ts";
import type { ShopRow } from "../../lib/db/shops.server.ts";
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
    try {
      // One transaction per attempt: its writes and the delivery's settling commit together. It
      // commits asynchronously: graphile-worker completes this job with a synchronous commit once the
      // task returns, which flushes the log up to and past this transaction. A crash loses both or
      // neither, and a lost job runs again.
      // Its first statement (the delivery, locked) goes with its BEGIN, and its settling with its
      // COMMIT: two round trips fewer per delivery (docs/decisions/067).
      let settling: string | undefined;
      logFields.outcome = await withTransaction(
        pool,
        async (client, first) => {
          const started = startedDelivery(first);
          if (!started) return "already settled";
          logFields.shop = started.delivery.shopDomain;
          logFields.topic = started.delivery.topic;
          const parsed = options.schema.safeParse(started.delivery.payload);
          if (!parsed.success) {
            // A payload that can never fit the topic's schema: a dead letter at once.
            await deadLetter(client, deliveryId, unfitPayload(started.delivery, parsed.error));
            return "dead_letter";
          }
          const outcome = await handle(client, started, parsed.data, options, logFields);
          // Settling `processed` is where a twin of the event meets the one-processed-per-event
          // rule: then the COMMIT does not run and the transaction rolls back.
          settling = settleStatement(deliveryId, outcome);
          if (outcome.status !== "processed") logFields.reason = outcome.reason;
          return outcome.status;
        },
        {
          synchronousCommit: "off",
          firstStatement: startProcessingStatement(deliveryId),
          lastStatement: () => settling,
        },
      );
    } catch (error) {
      if (isConstraint(error, ONE_PROCESSED_PER_EVENT)) {
        // A twin of this event settled first: this one's writes are undone, and it is ignored.
        logFields.outcome = await withTransaction(pool, (client) => ignoreTwin(client, deliveryId));
        return;
      }
      // The attempt rolled back: its count and its error are recorded on their own.
      await recordFailure(pool, deliveryId, error instanceof Error ? error.message : String(error));
      throw error;
    }
  });
}

function isConstraint(error: unknown, constraint: string): boolean {
  return (
    (error as { code?: string; constraint?: string }).code === "23505" &&
    (error as { constraint?: string }).constraint === constraint
  );
}

/** In the caller's transaction: the twin that lost the race is settled `ignored`. */
async function ignoreTwin(client: pg.PoolClient, deliveryId: string): Promise<string> {
  const started = await startProcessing(client, deliveryId);
  if (started) {
    const twin = await processedTwin(client, started.delivery);
    await settle(client, deliveryId, {
      status: "ignored",
      reason: `Same event as delivery ${twin ?? "(unknown)"}, already processed`,
    });
  }
  return "ignored";
}

function unfitPayload(delivery: DeliveryRow, error: z.ZodError): string {
  return `The ${delivery.topic} payload does not match Shopify's format: ${describeIssues(error)}`;
}

/** The task's own work on a delivery whose payload fits, unless the shop rule ignores it. */
async function handle<S extends z.ZodType, R extends ShopRule>(
  client: pg.PoolClient,
  { delivery, shop }: { delivery: DeliveryRow; shop: ShopRow | undefined },
  payload: z.output<S>,
  options: DeliveryTaskOptions<S, R>,
  logFields: Record<string, unknown>,
): Promise<DeliveryOutcome> {
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
