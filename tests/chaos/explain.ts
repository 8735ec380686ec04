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

export type DifferenceCause = "lost event" | "unexplained";

/**
 * Why a row differs before reconciliation: only an event every delivery of which was dropped may
 * explain it. (A new customer's zero statistics used to differ too, until customers/create recorded
 * them: tests/integration/new-customer-statistics.test.ts.)
 */
export function causeOf(difference: string, lostRows: Set<string>): DifferenceCause {
  const row = rowOfDifference(difference);
  return row && lostRows.has(row) ? "lost event" : "unexplained";
}
