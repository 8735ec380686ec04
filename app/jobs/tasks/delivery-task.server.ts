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
 * A batched task (orders, customers) takes up to DELIVERY_BATCH_SIZE deliveries of its shop into
 * the running one's transaction, with their jobs, and writes them set-based; a batch that fails
 * rolls back whole and the running delivery is tried alone, so every error stays one delivery's
 * (docs/decisions/081).
 */
import type pg from "pg";
import type { z } from "zod";
import { pool, withTransaction } from "../../db.server.ts";
import {
  claimSiblings,
  deadLetter,
  ONE_PROCESSED_PER_EVENT,
  processedTwin,
  recordFailure,
  settle,
  settleManyStatement,
  settleStatement,
  startedDelivery,
  startProcessing,
  startProcessingStatement,
  type DeliveryOutcome,
  type DeliveryRow,
} from "../../lib/db/delivery-status.server.ts";
import type { ShopRow } from "../../lib/db/shops.server.ts";
import { TOPIC_TASKS, type DeliveryTaskName } from "../../lib/webhooks/topics.ts";
import { defineTask } from "../define-task.server.ts";
import { DELIVERY_BATCH_SIZE, inRounds, type BatchContext } from "./delivery-batch.server.ts";

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

type DeliveryTaskOptions<S extends z.ZodType, R extends ShopRule> = {
  schema: S;
  shop: R;
} & (
  | {
      process: (
        context: DeliveryContext<
          z.output<S>,
          R extends "installed" ? ShopRow : ShopRow | undefined
        >,
      ) => Promise<DeliveryOutcome>;
    }
  | {
      /** Batches are of an installed shop's deliveries. */
      shop: "installed";
      /**
       * The task's work as set-based statements over several deliveries (docs/decisions/081): the
       * running delivery's job claims others of its shop and task still to be processed
       * (claimSiblings), and one transaction writes and settles them all. Only for tasks of
       * installed shops whose deliveries, applied in the order they arrived, give what they give
       * one at a time.
       */
      batch: {
        /** The record a payload writes (its Shopify id). Deliveries of one record go in rounds. */
        key: (payload: z.output<S>) => string;
        /** An outcome per payload, in the payloads' order. */
        processMany: (context: BatchContext<z.output<S>>) => Promise<DeliveryOutcome[]>;
      };
    }
);

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
  const topics = Object.entries(TOPIC_TASKS)
    .filter(([, task]) => task === name)
    .map(([topic]) => topic);
  return defineTask(name, async ({ deliveryId }, { logFields }) => {
    logFields.deliveryId = deliveryId;
    try {
      try {
        logFields.outcome = await attempt(deliveryId, options, logFields, topics);
      } catch (error) {
        if (logFields.batch === undefined) throw error;
        // The batch rolled back whole (a twin settled meanwhile, a deadlock, one record that
        // fails): its other deliveries and their jobs are as they were, and run on their own. This
        // one goes on alone, so that an error is its own.
        logFields.batch = undefined;
        logFields.batchFailed = error instanceof Error ? error.message : String(error);
        logFields.outcome = await attempt(deliveryId, options, logFields, []);
      }
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

/**
 * One attempt at a delivery, in one transaction: its writes and the settling of every delivery it
 * took commit together. It commits asynchronously: graphile-worker completes this job with a
 * synchronous commit once the task returns, which flushes the log up to and past this transaction.
 * A crash loses both or neither, and a lost job runs again. The delivery's first statement (it,
 * locked) goes with the BEGIN, and the settling with the COMMIT: two round trips fewer
 * (docs/decisions/067). `topics`: those whose deliveries this attempt may take with it (none: alone).
 */
async function attempt<S extends z.ZodType, R extends ShopRule>(
  deliveryId: string,
  options: DeliveryTaskOptions<S, R>,
  logFields: Record<string, unknown>,
  topics: string[],
): Promise<string> {
  let settling: string | undefined;
  return withTransaction(
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
      const items = [{ delivery: started.delivery, payload: parsed.data as z.output<S> }];
      // A first attempt of a batched task takes others with it; a retry goes alone.
      if ("batch" in options && started.shop?.state === "installed" && topics.length > 0) {
        if (started.delivery.attempts === 1) {
          const siblings = await claimSiblings(
            client,
            started.delivery,
            topics,
            DELIVERY_BATCH_SIZE - 1,
          );
          for (const sibling of siblings) {
            const fits = options.schema.safeParse(sibling.payload);
            if (fits.success) items.push({ delivery: sibling, payload: fits.data });
            else await deadLetter(client, sibling.id, unfitPayload(sibling, fits.error));
          }
          if (siblings.length > 0) logFields.batch = siblings.length + 1;
        }
      }
      const outcomes = await handle(client, started, items, options, logFields);
      // Settling `processed` is where a twin of the event meets the one-processed-per-event
      // rule: then the COMMIT does not run and the transaction rolls back.
      settling =
        items.length === 1
          ? settleStatement(deliveryId, outcomes[0]!)
          : settleManyStatement(
              items.map((item, index) => ({ id: item.delivery.id, outcome: outcomes[index]! })),
            );
      const own = outcomes[0]!;
      if (own.status !== "processed") logFields.reason = own.reason;
      return own.status;
    },
    {
      synchronousCommit: "off",
      firstStatement: startProcessingStatement(deliveryId),
      lastStatement: () => settling,
    },
  );
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

/**
 * The task's own work on deliveries whose payloads fit (the running one first), unless the shop
 * rule ignores them: an outcome per delivery, in the same order.
 */
async function handle<S extends z.ZodType, R extends ShopRule>(
  client: pg.PoolClient,
  { delivery, shop }: { delivery: DeliveryRow; shop: ShopRow | undefined },
  items: { delivery: DeliveryRow; payload: z.output<S> }[],
  options: DeliveryTaskOptions<S, R>,
  logFields: Record<string, unknown>,
): Promise<DeliveryOutcome[]> {
  if (options.shop === "installed" && shop?.state !== "installed") {
    const reason = shop
      ? `${delivery.shopDomain} has uninstalled Recur`
      : `${delivery.shopDomain} has not installed Recur`;
    return items.map(() => ({ status: "ignored", reason }));
  }
  // A batched task's shop rule is "installed" (its type says so): past the check above, its shop is.
  if ("batch" in options) return inRounds(client, shop!, items, options.batch, logFields);
  return [
    await options.process({
      client,
      delivery,
      payload: items[0]!.payload,
      shop: shop as R extends "installed" ? ShopRow : ShopRow | undefined,
      logFields,
    }),
  ];
}
