/**
 * A batch of deliveries (docs/decisions/081): several deliveries of one shop and task that the
 * running delivery's job took into its transaction (claimSiblings), written set-based by the
 * task's processMany, in rounds that give what one delivery at a time would give.
 */
import type pg from "pg";
import type { DeliveryOutcome, DeliveryRow } from "../../lib/db/delivery-status.server.ts";
import type { ShopRow } from "../../lib/db/shops.server.ts";

/** Deliveries of one task and shop, each of a different record, in one transaction. */
export interface BatchContext<Payload> {
  client: pg.PoolClient;
  shop: ShopRow;
  /** The payloads, each of its own record (batch.key), in the order in which they lock rows. */
  payloads: Payload[];
  logFields: Record<string, unknown>;
}

/** How many deliveries one transaction of a batched task takes, the running one included. */
export const DELIVERY_BATCH_SIZE = 50;

/**
 * A batch's deliveries, applied as they would be one after another in the order they arrived:
 * the first delivery of each record in a first round, a record's second in a second, and so on.
 * Within a round the records lock their rows in the order of their ids, as every batch's rounds
 * do, so two batches writing the same records wait for each other rather than deadlock. (Rounds
 * of different depths can still meet in a deadlock; PostgreSQL then fails one batch, which rolls
 * back whole, and its delivery goes on alone.)
 */
export async function inRounds<P>(
  client: pg.PoolClient,
  shop: ShopRow,
  items: { delivery: DeliveryRow; payload: P }[],
  batch: {
    key: (payload: P) => string;
    processMany: (context: BatchContext<P>) => Promise<DeliveryOutcome[]>;
  },
  logFields: Record<string, unknown>,
): Promise<DeliveryOutcome[]> {
  const arrived = items
    .map((item, index) => ({ index, key: batch.key(item.payload), delivery: item.delivery }))
    .sort(
      (a, b) =>
        a.delivery.receivedAt.getTime() - b.delivery.receivedAt.getTime() ||
        compareText(a.delivery.id, b.delivery.id),
    );
  const rounds: (typeof arrived)[] = [];
  const seen = new Map<string, number>();
  for (const entry of arrived) {
    const round = seen.get(entry.key) ?? 0;
    seen.set(entry.key, round + 1);
    (rounds[round] ??= []).push(entry);
  }
  const outcomes: DeliveryOutcome[] = new Array(items.length);
  for (const round of rounds) {
    round.sort((a, b) => compareIds(a.key, b.key));
    const results = await batch.processMany({
      client,
      shop,
      payloads: round.map((entry) => items[entry.index]!.payload),
      logFields,
    });
    round.forEach((entry, i) => (outcomes[entry.index] = results[i]!));
  }
  return outcomes;
}

const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
/** Shopify's ids as decimal strings, in numeric order. */
const compareIds = (a: string, b: string) => a.length - b.length || compareText(a, b);
