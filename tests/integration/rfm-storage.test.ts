/**
 * customer_rfm stores what does not move with the clock (docs/decisions/060): the stored table
 * (customer_rfm_scores) keeps the last eligible order's time, and the view customer_rfm derives
 * recency_days and each row's as_of on the shop's clock. So the next day's full run rewrites only
 * the rows whose values, scores or segment moved, and every row still reads right at its as_of.
 */
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { pool } from "../../app/db.server.ts";
import { findCustomerRfm } from "../../app/lib/admin/customer-rfm.server.ts";
import { upsertOrders } from "../../app/lib/db/guarded-upsert.server.ts";
import { rescoreCustomer } from "../../app/lib/rfm/rescore-customer.server.ts";
import { query } from "../support/db.ts";
import {
  referenceScores,
  type ReferenceCustomer,
  type ReferenceOrder,
  type ReferenceRow,
} from "../support/rfm-reference.ts";
import { entries, orderRecord, rfmRows, seedRfmShop, scoreShopAt } from "../support/rfm.ts";

const DAY = 86_400_000;
const HOUR = 3_600_000;
const AS_OF = new Date("2026-11-01T12:00:00Z");
const NEXT_DAY = new Date(AS_OF.getTime() + DAY);

function paid(customerId: string, at: Date, amount = "10.00"): ReferenceOrder {
  return {
    customerId,
    processedAt: at,
    createdAt: at,
    cancelledAt: null,
    test: false,
    financialStatus: "PAID",
    currentTotalPrice: amount,
    deleted: false,
  };
}

const ago = (days: number, from = AS_OF) => new Date(from.getTime() - days * DAY);
const live = (...ids: string[]): ReferenceCustomer[] => ids.map((id) => ({ id, live: true }));

/** When each stored row was last written. */
async function writtenAt(shopId: number): Promise<Map<string, number>> {
  const rows = await query<{ id: string; updated_at: Date }>(
    "SELECT customer_shopify_id::text AS id, updated_at FROM customer_rfm_scores WHERE shop_id = $1",
    [shopId],
  );
  return new Map(rows.map((row) => [row.id, row.updated_at.getTime()]));
}

/** Each row's as_of, as the view customer_rfm gives it. */
async function asOfs(shopId: number): Promise<Map<string, number>> {
  const rows = await query<{ id: string; as_of: Date }>(
    "SELECT customer_shopify_id::text AS id, as_of FROM customer_rfm WHERE shop_id = $1",
    [shopId],
  );
  return new Map(rows.map((row) => [row.id, row.as_of.getTime()]));
}

/** The customers whose row differs between two references in anything but recency_days. */
function moved(before: Map<string, ReferenceRow>, after: Map<string, ReferenceRow>): string[] {
  const strip = (row: ReferenceRow | undefined) => row && { ...row, recencyDays: undefined };
  return [...after.keys()]
    .filter((id) => JSON.stringify(strip(before.get(id))) !== JSON.stringify(strip(after.get(id))))
    .sort();
}

/** The run's stored segment sizes on as_of's day (UTC), the empty segments left out. */
async function segmentSizes(shopId: number, asOf: Date): Promise<Record<string, number>> {
  const rows = await query<{ segment: string; customers: number }>(
    `SELECT segment, customers FROM rfm_segment_sizes
      WHERE shop_id = $1 AND day = ($2::timestamptz AT TIME ZONE 'UTC')::date AND customers > 0
      ORDER BY segment`,
    [shopId, asOf],
  );
  return Object.fromEntries(rows.map((row) => [row.segment, row.customers]));
}

async function rewritten(shopId: number, before: Map<string, number>): Promise<string[]> {
  const after = await writtenAt(shopId);
  return [...after.entries()]
    .filter(([id, at]) => before.get(id) !== at)
    .map(([id]) => id)
    .sort();
}

describe("customer_rfm on the shop's clock", () => {
  it("the next day's run rewrites only the rows whose scores or values moved, and every row reads at its as_of", async () => {
    const customers = live("1", "2", "3", "4", "5", "6", "7", "8");
    const orders = [
      paid("1", ago(200)),
      paid("2", ago(120), "40.00"),
      paid("2", ago(90), "40.00"),
      paid("3", ago(60)),
      paid("4", ago(30), "80.00"),
      paid("5", ago(10)),
      paid("5", ago(5)),
      // Ordered in the day before the first run, and six hours after its as_of (a clock ahead):
      // both 0 days at the first run; the next day only the second is still 0, so the time alone
      // moves a score.
      paid("6", new Date(AS_OF.getTime() - 10 * HOUR), "25.00"),
      paid("7", new Date(AS_OF.getTime() + 6 * HOUR), "25.00"),
    ];
    const { shopId } = await seedRfmShop(customers, orders);
    await scoreShopAt(shopId, AS_OF);
    const first = referenceScores(customers, orders, AS_OF);
    expect(entries(await rfmRows(shopId))).toEqual(entries(first));
    const before = await writtenAt(shopId);

    // During the day customer 3 orders again (written without rescoring, as a bulk sync does).
    const dayOrder = paid("3", new Date(AS_OF.getTime() + 5 * HOUR), "15.00");
    await upsertOrders(pool, shopId, [orderRecord("9000001", dayOrder)]);
    const next = referenceScores(customers, [...orders, dayOrder], NEXT_DAY);
    const expected = moved(first, next);
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(customers.length);

    const result = await scoreShopAt(shopId, NEXT_DAY);
    expect(await rewritten(shopId, before)).toEqual(expected);
    expect(result.rowsWritten).toBe(expected.length);
    // Every row, rewritten or not, reads the next day's values: recency to the new as_of.
    expect(entries(await rfmRows(shopId))).toEqual(entries(next));
    expect([...(await asOfs(shopId)).values()]).toEqual(customers.map(() => NEXT_DAY.getTime()));
  });

  it("a row rescored since the last full run reads at its own as_of, and is compared on it", async () => {
    const customers = live(...Array.from({ length: 10 }, (_, i) => String(i + 1)));
    const orders = customers.map((c, i) => paid(c.id, ago(3 * i + 1), `${10 + i}.00`));
    const { shopId } = await seedRfmShop(customers, orders);
    await scoreShopAt(shopId, AS_OF);

    // Customer 10 (31 days since their order) orders two hours after the run and is rescored 30
    // hours after it: their row is as of the rescoring, 1 day since that order.
    const newOrder = paid("10", new Date(AS_OF.getTime() + 2 * HOUR), "5.00");
    await upsertOrders(pool, shopId, [orderRecord("9000002", newOrder)]);
    const rescoredAt = new Date(AS_OF.getTime() + 30 * HOUR);
    expect((await rescoreCustomer(pool, shopId, "10", rescoredAt)).written).toBe(true);

    const times = await asOfs(shopId);
    expect(times.get("10")).toBe(rescoredAt.getTime());
    for (const c of customers.slice(0, 9)) expect(times.get(c.id), c.id).toBe(AS_OF.getTime());
    const rows = await rfmRows(shopId);
    const atRescoring = referenceScores(customers, [...orders, newOrder], rescoredAt);
    expect(rows.get("10")).toMatchObject({
      recencyDays: 1,
      frequency: 2,
      monetary: "24.0000",
    });
    expect(atRescoring.get("10")?.recencyDays).toBe(1);
    const atRun = referenceScores(customers, orders, AS_OF);
    for (const c of customers.slice(0, 9)) {
      expect(rows.get(c.id)?.recencyDays, c.id).toBe(atRun.get(c.id)?.recencyDays);
    }

    // "More recent than x% of customers" compares on the customer's own as_of: the others'
    // recency measured to it, not to the run's.
    const page = await findCustomerRfm(pool, shopId, "10");
    const worse = [...atRescoring.values()].filter(
      (row) => row.recencyDays !== null && row.recencyDays > 1,
    ).length;
    expect(page?.beats?.recency).toBeCloseTo(worse / customers.length, 9);

    // The next full run puts every row on its clock again, and equals the rule set.
    const later = new Date(AS_OF.getTime() + 2 * DAY);
    await scoreShopAt(shopId, later);
    expect([...(await asOfs(shopId)).values()]).toEqual(customers.map(() => later.getTime()));
    expect(entries(await rfmRows(shopId))).toEqual(
      entries(referenceScores(customers, [...orders, newOrder], later)),
    );
  });

  it("a rescoring of an uninstalled or erased shop's customer reads and writes nothing, and one of a shop installed again after its erasure rescores", async () => {
    const customers = live("1", "2");
    const orders = customers.map((c, i) => paid(c.id, ago(i + 1)));
    const { shopId } = await seedRfmShop(customers, orders);
    await scoreShopAt(shopId, AS_OF);
    const stored = async () => ({
      scores: await query("SELECT * FROM customer_rfm_scores WHERE shop_id = $1 ORDER BY 2", [
        shopId,
      ]),
      changes: await query("SELECT * FROM rfm_segment_changes WHERE shop_id = $1 ORDER BY id", [
        shopId,
      ]),
    });
    const before = await stored();
    await upsertOrders(pool, shopId, [orderRecord("9000003", paid("1", ago(0), "50.00"))]);

    for (const [state, redacted] of [
      ["uninstalled", null],
      ["installed", new Date()],
    ] as const) {
      await query("UPDATE shops SET state = $2, redacted_at = $3 WHERE id = $1", [
        shopId,
        state,
        redacted,
      ]);
      expect(await rescoreCustomer(pool, shopId, "1", NEXT_DAY)).toEqual({
        installed: false,
        scoredBefore: false,
        written: false,
        removed: false,
        moved: null,
      });
      expect(await stored()).toEqual(before);
    }

    // Erased after an earlier uninstall, then installed again: in service, rescored.
    await query(
      `UPDATE shops SET state = 'installed', redacted_at = now() - interval '1 day',
         installed_at = now() WHERE id = $1`,
      [shopId],
    );
    expect(await rescoreCustomer(pool, shopId, "1", NEXT_DAY)).toMatchObject({
      installed: true,
      written: true,
    });
  });
});

/** Small shops with ties, two runs some hours apart, and orders written between them. */
const twoRunsArbitrary = fc.integer({ min: 1, max: 10 }).chain((customerCount) => {
  const order = fc.record({
    customer: fc.integer({ min: 1, max: customerCount }),
    hours: fc.integer({ min: -24 * 40, max: 30 }),
    amount: fc.constantFrom("0.00", "10.00", "25.50", "99.99"),
    cancelled: fc.boolean(),
  });
  return fc.record({
    customerCount: fc.constant(customerCount),
    orders: fc.array(order, { maxLength: 25 }),
    between: fc.array(order, { maxLength: 4 }),
    laterByHours: fc.integer({ min: 1, max: 96 }),
  });
});

describe("property: a later run writes exactly the rows that moved, and reads the rule set", () => {
  it("for random small shops", async () => {
    await fc.assert(
      fc.asyncProperty(
        twoRunsArbitrary,
        async ({ customerCount, orders, between, laterByHours }) => {
          const customers = live(...Array.from({ length: customerCount }, (_, i) => String(i + 1)));
          const toOrder = (o: (typeof orders)[number]): ReferenceOrder => ({
            ...paid(String(o.customer), new Date(AS_OF.getTime() + o.hours * HOUR), o.amount),
            cancelledAt: o.cancelled ? AS_OF : null,
          });
          const first = orders.map(toOrder);
          const { shopId } = await seedRfmShop(customers, first);
          await scoreShopAt(shopId, AS_OF);
          const before = await writtenAt(shopId);
          const added = between.map(toOrder);
          await upsertOrders(
            pool,
            shopId,
            added.map((o, i) => orderRecord(String(9_100_000 + i), o)),
          );
          const later = new Date(AS_OF.getTime() + laterByHours * HOUR);
          const expected = referenceScores(customers, [...first, ...added], later);
          const result = await scoreShopAt(shopId, later);
          const movedRows = moved(referenceScores(customers, first, AS_OF), expected);
          expect(await rewritten(shopId, before)).toEqual(movedRows);
          expect(result.rowsWritten).toBe(movedRows.length);
          expect(entries(await rfmRows(shopId))).toEqual(entries(expected));
          // The later run counts the prospects it did not rewrite (decision 078) like the rest.
          const sizes = new Map<string, number>();
          for (const row of expected.values()) {
            sizes.set(row.segment, (sizes.get(row.segment) ?? 0) + 1);
          }
          expect(result.prospects).toBe(sizes.get("PROSPECTS") ?? 0);
          expect(result.scoredCustomers).toBe(expected.size - (sizes.get("PROSPECTS") ?? 0));
          expect(await segmentSizes(shopId, later)).toEqual(Object.fromEntries(sizes));
        },
      ),
      { numRuns: 40 },
    );
  });
});

const CUSTOMERS_BY_RANGE = "recur_rfm_v1_customers(integer, timestamptz, integer, integer)";
const sql = (file: string) =>
  readFileSync(new URL(`../../app/lib/rfm/${file}`, import.meta.url), "utf8");

describe("orders_rfm_eligible_idx (docs/decisions/061)", () => {
  it("holds every eligible order the scoring and the rescoring read: both can read them from it", async () => {
    const { shopId } = await seedRfmShop(live("1"), [paid("1", ago(3))]);
    const client = await pool.connect();
    let plans: { full: string; one: string };
    try {
      await client.query("BEGIN");
      // The planner makes one path per index: an index-only scan when the index holds every column
      // the statement reads, else an index scan. With every other index of orders gone (this
      // transaction is rolled back) and no sequential or bitmap scan, a plan that names this index
      // proves its predicate covers the statement's WHERE clause, and "Index Only" proves it covers
      // the columns, whatever the costs of a tiny table would otherwise tip the planner to.
      const others = await client.query<{ name: string; constraint: boolean }>(
        `SELECT i.indexrelid::regclass::text AS name,
                EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) AS constraint
           FROM pg_index i
          WHERE i.indrelid = 'orders'::regclass
            AND i.indexrelid <> 'orders_rfm_eligible_idx'::regclass`,
      );
      for (const index of others.rows) {
        await client.query(
          index.constraint
            ? `ALTER TABLE orders DROP CONSTRAINT ${index.name} CASCADE`
            : `DROP INDEX ${index.name}`,
        );
      }
      await client.query("SET LOCAL enable_seqscan = off");
      await client.query("SET LOCAL enable_bitmapscan = off");
      // The full scoring reads the orders inside recur_rfm_v1_customers, which is STRICT so that
      // it is not inlined (decision 071); made non-strict here, it is inlined and its scans show
      // in the statement's plan.
      await client.query(`ALTER FUNCTION ${CUSTOMERS_BY_RANGE} CALLED ON NULL INPUT`);
      const plan = async (text: string, values: unknown[]) =>
        (await client.query<{ "QUERY PLAN": string }>(`EXPLAIN ${text}`, values)).rows
          .map((row) => row["QUERY PLAN"])
          .join("\n");
      plans = {
        full: await plan(sql("score-shop.sql"), [shopId, AS_OF, "v1", AS_OF]),
        one: await plan(sql("rescore-customer.sql"), [shopId, "1", AS_OF]),
      };
    } finally {
      await client.query("ROLLBACK");
      client.release();
    }
    expect(plans.full).toMatch(/Index Only Scan using orders_rfm_eligible_idx on orders/);
    expect(plans.one).toMatch(/Index Only Scan using orders_rfm_eligible_idx on orders/);
  });
});

describe("the full scoring's first statement (docs/decisions/071)", () => {
  it("may run in parallel: one Gather over the customer ranges, side by side", async () => {
    const { shopId } = await seedRfmShop(live("1", "2"), [paid("1", ago(3)), paid("2", ago(9))]);
    const client = await pool.connect();
    let plan: string;
    try {
      // A statement that writes (a data-modifying CTE) or calls a function not parallel safe is
      // never planned in parallel, whatever its size; this one is, even for a two-customer shop.
      plan = (
        await client.query<{ "QUERY PLAN": string }>(`EXPLAIN ${sql("score-shop.sql")}`, [
          shopId,
          AS_OF,
          "v1",
          AS_OF,
        ])
      ).rows
        .map((row) => row["QUERY PLAN"])
        .join("\n");
    } finally {
      client.release();
    }
    expect(plan).toMatch(/Gather[\s\S]*Workers Planned: 2[\s\S]*Parallel Append/);
    expect(plan.match(/Function Scan on recur_rfm_v1_customers/g)).toHaveLength(6);
  });
});
