/**
 * Rule set v1 of docs/rfm.md written plainly in TypeScript, one customer at a time: the reference
 * that the set-based SQL (app/lib/rfm/score-shop.sql) is checked against. Money is kept exact as
 * integers of 1/10,000 (the columns' scale), never as floats.
 */

export interface ReferenceCustomer {
  id: string;
  /** Not deleted and not redacted. */
  live: boolean;
}

export interface ReferenceOrder {
  customerId: string | null;
  processedAt: Date | null;
  createdAt: Date | null;
  cancelledAt: Date | null;
  test: boolean | null;
  financialStatus: string | null;
  currentTotalPrice: string | null;
  deleted: boolean;
}

export interface ReferenceRow {
  recencyDays: number | null;
  frequency: number | null;
  /** Decimal string with four places, as PostgreSQL prints numeric(20,4). */
  monetary: string | null;
  r: number | null;
  f: number | null;
  m: number | null;
  fm: number | null;
  segment: string;
}

const GRID: Record<number, string[]> = {
  5: ["NEW", "PROMISING", "ACTIVE", "LOYAL", "CHAMPIONS"],
  4: ["PROMISING", "PROMISING", "ACTIVE", "LOYAL", "CHAMPIONS"],
  3: ["NEEDS_ATTENTION", "NEEDS_ATTENTION", "ACTIVE", "LOYAL", "LOYAL"],
  2: ["ALMOST_LOST", "ALMOST_LOST", "AT_RISK", "AT_RISK", "PREVIOUSLY_LOYAL"],
  1: ["DORMANT", "DORMANT", "ALMOST_LOST", "PREVIOUSLY_LOYAL", "PREVIOUSLY_LOYAL"],
};

export function segmentOf(r: number, fm: number): string {
  return GRID[r]![fm - 1]!;
}

/** "12.3" → 123000n (units of 1/10,000). */
export function toUnits(amount: string): bigint {
  const negative = amount.startsWith("-");
  const [whole, fraction = ""] = amount.replace(/^-/, "").split(".");
  const units = BigInt(whole!) * 10_000n + BigInt((fraction + "0000").slice(0, 4));
  return negative ? -units : units;
}

export function fromUnits(units: bigint): string {
  const negative = units < 0n;
  const abs = negative ? -units : units;
  const text = `${abs / 10_000n}.${String(abs % 10_000n).padStart(4, "0")}`;
  return negative ? `-${text}` : text;
}

export function isEligible(order: ReferenceOrder): boolean {
  return (
    !order.deleted &&
    order.customerId !== null &&
    order.cancelledAt === null &&
    order.test !== true &&
    order.financialStatus !== "VOIDED" &&
    (order.processedAt ?? order.createdAt) !== null
  );
}

/** The score of a value given how many of the N scored customers have a strictly worse one. */
export function score(worse: number, n: number): number {
  return Math.min(5, 1 + Math.floor((5 * worse) / n));
}

export function referenceScores(
  customers: ReferenceCustomer[],
  orders: ReferenceOrder[],
  asOf: Date,
): Map<string, ReferenceRow> {
  const values = new Map<string, { last: number; frequency: number; monetary: bigint }>();
  for (const order of orders) {
    if (!isEligible(order)) continue;
    const at = (order.processedAt ?? order.createdAt)!.getTime();
    const current = values.get(order.customerId!) ?? {
      last: -Infinity,
      frequency: 0,
      monetary: 0n,
    };
    current.last = Math.max(current.last, at);
    current.frequency += 1;
    current.monetary += order.currentTotalPrice === null ? 0n : toUnits(order.currentTotalPrice);
    values.set(order.customerId!, current);
  }
  const live = customers.filter((c) => c.live);
  const scored = live
    .filter((c) => values.has(c.id))
    .map((c) => {
      const v = values.get(c.id)!;
      const recencyDays = Math.max(0, Math.floor((asOf.getTime() - v.last) / 86_400_000));
      return { id: c.id, recencyDays, frequency: v.frequency, monetary: v.monetary };
    });
  const n = scored.length;
  const rows = new Map<string, ReferenceRow>();
  for (const c of scored) {
    // Worse: more days since the last order; fewer orders; less money.
    const r = score(scored.filter((o) => o.recencyDays > c.recencyDays).length, n);
    const f = score(scored.filter((o) => o.frequency < c.frequency).length, n);
    const m = score(scored.filter((o) => o.monetary < c.monetary).length, n);
    const fm = Math.floor((f + m + 1) / 2);
    rows.set(c.id, {
      recencyDays: c.recencyDays,
      frequency: c.frequency,
      monetary: fromUnits(c.monetary),
      r,
      f,
      m,
      fm,
      segment: segmentOf(r, fm),
    });
  }
  for (const c of live) {
    if (rows.has(c.id)) continue;
    rows.set(c.id, {
      recencyDays: null,
      frequency: null,
      monetary: null,
      r: null,
      f: null,
      m: null,
      fm: null,
      segment: "PROSPECTS",
    });
  }
  return rows;
}
