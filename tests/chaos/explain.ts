/**
 * Which rows the stand-in's dropped deliveries account for. Before reconciliation Recur's copy may
 * differ from the store only where an event never arrived (every delivery of it dropped); any other
 * difference means the webhook path itself lost or garbled a change, which reconciliation would
 * then hide.
 */
import type { DeliveryRecord } from "../shopify-standin/index.ts";

/** "customer:<id>" or "order:<id>": the row a delivery's payload is about. */
export function resourceOf(record: DeliveryRecord): string | undefined {
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(record.body) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const numeric = (value: unknown) =>
    value === undefined || value === null ? undefined : String(value);
  const fromGid = (value: unknown) =>
    typeof value === "string" ? /\/(\d+)$/.exec(value)?.[1] : undefined;
  let id: string | undefined;
  let kind: "customer" | "order";
  if (
    record.topic === "customers/purchasing_summary" ||
    record.topic.startsWith("customer.tags_")
  ) {
    kind = "customer";
    id = fromGid(body.customerId);
  } else if (record.topic.startsWith("customers/")) {
    kind = "customer";
    id = numeric(body.id);
  } else if (record.topic.startsWith("orders/")) {
    kind = "order";
    id = numeric(body.id);
  } else {
    return undefined;
  }
  return id ? `${kind}:${id}` : undefined;
}

/** Rows with an event none of whose deliveries was sent (all of them dropped). */
export function rowsWithLostEvents(records: DeliveryRecord[]): Set<string> {
  const byEvent = new Map<string, DeliveryRecord[]>();
  for (const record of records) {
    const list = byEvent.get(record.eventId);
    if (list) list.push(record);
    else byEvent.set(record.eventId, [record]);
  }
  const rows = new Set<string>();
  for (const list of byEvent.values()) {
    if (!list.every((record) => record.faults.includes("dropped"))) continue;
    const row = resourceOf(list[0]!);
    if (row) rows.add(row);
  }
  return rows;
}

/** The row a difference line of compareWithGroundTruth names ("customer 123: …", "order 9: …"). */
export function rowOfDifference(difference: string): string | undefined {
  const match = /^(customer|order) (\d+):/.exec(difference);
  return match ? `${match[1]}:${match[2]}` : undefined;
}

/**
 * A customer created with no orders: Shopify sends customers/create without statistics and no
 * purchasing summary, so Recur holds null where Shopify says 0 orders, 0.0 spent in the shop's
 * currency, until reconciliation reads the customer back
 * (tests/integration/new-customer-statistics.test.ts). Exactly these three fields, nothing else.
 */
const NEW_CUSTOMER_WITHOUT_STATISTICS =
  /^customer \d+: numberOfOrders Recur=null Shopify=0, amountSpent Recur=null Shopify="0\.0000", currencyCode Recur=null Shopify="[A-Z]{3}"$/;

export type DifferenceCause = "lost event" | "new customer without statistics" | "unexplained";

export function causeOf(difference: string, lostRows: Set<string>): DifferenceCause {
  const row = rowOfDifference(difference);
  if (row && lostRows.has(row)) return "lost event";
  if (NEW_CUSTOMER_WITHOUT_STATISTICS.test(difference)) return "new customer without statistics";
  return "unexplained";
}
