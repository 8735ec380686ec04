import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { pool } from "../../app/db.server.ts";
import { tombstone, upsertOrders } from "../../app/lib/db/guarded-upsert.server.ts";
import { query } from "../support/db.ts";
import {
  referenceScores,
  type ReferenceCustomer,
  type ReferenceOrder,
} from "../support/rfm-reference.ts";
import {
  entries,
  orderRecord,
  rfmRows,
  seedRfmShop,
  segmentChanges,
  scoreShopAt,
} from "../support/rfm.ts";

const AS_OF = new Date("2026-11-01T12:00:00Z");
const daysAgo = (days: number) => new Date(AS_OF.getTime() - days * 86_400_000);

function paid(customerId: string | null, days: number, amount = "10.00"): ReferenceOrder {
  return {
    customerId,
    processedAt: daysAgo(days),
    createdAt: daysAgo(days),
    cancelledAt: null,
    test: false,
    financialStatus: "PAID",
    currentTotalPrice: amount,
    deleted: false,
  };
}

const live = (...ids: string[]): ReferenceCustomer[] => ids.map((id) => ({ id, live: true }));

const score = (shopId: number, asOf = AS_OF) => scoreShopAt(shopId, asOf);

describe("full RFM scoring (rule set v1)", () => {
  it("gives every one of the 60% of customers with exactly one order f = 1, and ties one score", async () => {
    // 10 customers: 6 with one order, 2 with two, 1 with three, 1 with five.
    const counts = [1, 1, 1, 1, 1, 1, 2, 2, 3, 5];
    const customers = live(...counts.map((_, i) => String(i + 1)));
    const orders = counts.flatMap((n, i) =>
      Array.from({ length: n }, () => paid(String(i + 1), 10)),
    );
    const { shopId } = await seedRfmShop(customers, orders);
    await score(shopId);
    const rows = await rfmRows(shopId);
    // w = 0 → 1; two orders: w = 6 → 1 + floor(30 / 10) = 4; three: w = 8 → 5; five: w = 9 → 5.
    expect(counts.map((_, i) => rows.get(String(i + 1))?.f)).toEqual([
      1, 1, 1, 1, 1, 1, 4, 4, 5, 5,
    ]);
  });

  it("puts ties that straddle every boundary on one score, the worst value always on 1", async () => {
    // Ten customers, recency in days: groups of 3, 4 and 3 equal values.
    const days = [90, 90, 90, 30, 30, 30, 30, 2, 2, 2];
    const customers = live(...days.map((_, i) => String(i + 1)));
    const { shopId } = await seedRfmShop(
      customers,
      days.map((d, i) => paid(String(i + 1), d)),
    );
    await score(shopId);
    const rows = await rfmRows(shopId);
    // w: 0 (worst), 3, 7 → 1, 1 + floor(15/10) = 2, 1 + floor(35/10) = 4.
    expect(days.map((_, i) => rows.get(String(i + 1))?.r)).toEqual([1, 1, 1, 2, 2, 2, 2, 4, 4, 4]);
    expect(days.map((_, i) => rows.get(String(i + 1))?.recencyDays)).toEqual(days);
  });

  it("scores a shop where every customer is equal 1 on every dimension (DORMANT)", async () => {
    const customers = live("1", "2", "3", "4", "5", "6", "7");
    const { shopId } = await seedRfmShop(
      customers,
      customers.map((c) => paid(c.id, 5, "20.00")),
    );
    await score(shopId);
    const rows = await rfmRows(shopId);
    for (const c of customers) {
      expect(rows.get(c.id)).toEqual({
        recencyDays: 5,
        frequency: 1,
        monetary: "20.0000",
        r: 1,
        f: 1,
        m: 1,
        fm: 1,
        segment: "DORMANT",
      });
    }
  });

  it("scores a single customer 1, 1, 1", async () => {
    const { shopId } = await seedRfmShop(live("1"), [paid("1", 0, "500.00")]);
    const result = await score(shopId);
    expect(result).toMatchObject({ scoredCustomers: 1, prospects: 0, rowsWritten: 1 });
    expect((await rfmRows(shopId)).get("1")).toMatchObject({
      r: 1,
      f: 1,
      m: 1,
      segment: "DORMANT",
    });
  });

  it("nets refunds, and leaves out cancelled, test and voided orders, guests and deleted orders", async () => {
    const customers = live("1", "2", "3");
    const orders: ReferenceOrder[] = [
      // Customer 1: 100 placed, 60 refunded → counts 40.
      { ...paid("1", 3, "40.00"), financialStatus: "PARTIALLY_REFUNDED" },
      { ...paid("1", 1, "999.00"), cancelledAt: daysAgo(1) },
      { ...paid("1", 1, "999.00"), test: true },
      { ...paid("1", 1, "999.00"), financialStatus: "VOIDED" },
      { ...paid("1", 1, "999.00"), deleted: true },
      // Customer 2: a fully refunded order still counts as an order, worth 0.
      { ...paid("2", 20, "0.00"), financialStatus: "REFUNDED" },
      paid("2", 10, "5.00"),
      // Guests: not scored, and their money counts for nobody.
      paid(null, 0, "10000.00"),
      // Customer 3: no eligible order at all.
      { ...paid("3", 1, "50.00"), test: true },
    ];
    const { shopId } = await seedRfmShop(customers, orders);
    const result = await score(shopId);
    expect(result).toMatchObject({ scoredCustomers: 2, prospects: 1 });
    const rows = await rfmRows(shopId);
    expect(rows.get("1")).toMatchObject({ recencyDays: 3, frequency: 1, monetary: "40.0000" });
    expect(rows.get("2")).toMatchObject({ recencyDays: 10, frequency: 2, monetary: "5.0000" });
    expect(rows.get("3")).toEqual({
      recencyDays: null,
      frequency: null,
      monetary: null,
      r: null,
      f: null,
      m: null,
      fm: null,
      segment: "PROSPECTS",
    });
    expect(rows.size).toBe(3);
    expect(entries(rows)).toEqual(entries(referenceScores(customers, orders, AS_OF)));
  });

  it("moves a customer when an order is deleted, and records the move", async () => {
    // Customer 1 ordered five times, recently; the others once, long ago.
    const customers = live("1", "2", "3", "4", "5");
    const orders = [
      ...Array.from({ length: 5 }, (_, i) => paid("1", i + 1, "100.00")),
      ...["2", "3", "4", "5"].map((id, i) => paid(id, 200 + i, "10.00")),
    ];
    const { shopId, orderIds } = await seedRfmShop(customers, orders);
    await score(shopId);
    expect((await rfmRows(shopId)).get("1")?.segment).toBe("CHAMPIONS");

    // Every order of customer 1 but the oldest is deleted.
    for (const id of orderIds.slice(0, 4)) {
      await tombstone(pool, "orders", shopId, id, new Date("2026-10-30T00:00:00Z"));
    }
    const later = new Date(AS_OF.getTime() + 3600_000);
    const result = await score(shopId, later);
    const row = (await rfmRows(shopId)).get("1");
    expect(row).toMatchObject({ frequency: 1, monetary: "100.0000" });
    expect(row?.segment).not.toBe("CHAMPIONS");
    expect(result.segmentChanges).toBeGreaterThanOrEqual(1);
    const moves = (await segmentChanges(shopId)).filter((c) => c.customer === "1");
    expect(moves).toEqual([
      { customer: "1", from: null, to: "CHAMPIONS", rule_set: "v1" },
      { customer: "1", from: "CHAMPIONS", to: row?.segment, rule_set: "v1" },
    ]);
  });

  it("makes a prospect of a customer whose last order is deleted, and keeps an unchanged prospect as it was", async () => {
    // Customer 1 ordered once; customer 3 never did. The full run leaves unchanged prospects out of
    // its per-customer pass (decision 078): 3 must stay as written, 1 must become a prospect.
    const customers = live("1", "2", "3");
    const { shopId, orderIds } = await seedRfmShop(customers, [paid("1", 5), paid("2", 40)]);
    await score(shopId);
    const prospectWritten = await query<{ updated_at: Date }>(
      "SELECT updated_at FROM customer_rfm WHERE shop_id = $1 AND customer_shopify_id = 3",
      [shopId],
    );
    await tombstone(pool, "orders", shopId, orderIds[0]!, new Date("2026-10-30T00:00:00Z"));
    const result = await score(shopId, new Date(AS_OF.getTime() + 3600_000));
    const rows = await rfmRows(shopId);
    expect(rows.get("1")).toMatchObject({ segment: "PROSPECTS", frequency: null, r: null });
    expect(rows.get("3")).toMatchObject({ segment: "PROSPECTS", frequency: null });
    expect(result).toMatchObject({ scoredCustomers: 1, prospects: 2, rowsWritten: 1 });
    expect(
      await query<{ updated_at: Date }>(
        "SELECT updated_at FROM customer_rfm WHERE shop_id = $1 AND customer_shopify_id = 3",
        [shopId],
      ),
    ).toEqual(prospectWritten);
    const moves = (await segmentChanges(shopId)).filter((c) => c.customer === "1");
    expect(moves.map((c) => c.to)).toEqual([moves[0]!.to, "PROSPECTS"]);
  });

  it("records a first segment for everyone, then rewrites and records nothing when nothing changed", async () => {
    const customers = live("1", "2", "3");
    const { shopId } = await seedRfmShop(customers, [paid("1", 1), paid("2", 40, "30.00")]);
    const first = await score(shopId);
    expect(first).toMatchObject({ rowsWritten: 3, rowsDeleted: 0, segmentChanges: 3 });
    expect((await segmentChanges(shopId)).map((c) => c.from)).toEqual([null, null, null]);
    const updatedAt = await query(
      "SELECT customer_shopify_id, updated_at FROM customer_rfm WHERE shop_id = $1 ORDER BY 1",
      [shopId],
    );
    const second = await score(shopId);
    expect(second).toMatchObject({ rowsWritten: 0, rowsDeleted: 0, segmentChanges: 0 });
    expect(
      await query(
        "SELECT customer_shopify_id, updated_at FROM customer_rfm WHERE shop_id = $1 ORDER BY 1",
        [shopId],
      ),
    ).toEqual(updatedAt);
  });

  it("rewrites a customer whose values changed within their segment, and records no move", async () => {
    // A single customer scores 1, 1, 1 whatever they spend: a refund changes their money, not their
    // segment.
    const { shopId, orderIds } = await seedRfmShop(live("1"), [paid("1", 5, "50.00")]);
    expect(await score(shopId)).toMatchObject({ rowsWritten: 1, segmentChanges: 1 });
    const refunded = orderRecord(orderIds[0]!, paid("1", 5, "20.00"), "2026-10-31T00:00:00Z");
    await upsertOrders(pool, shopId, [refunded]);
    const result = await score(shopId);
    expect(result).toMatchObject({ rowsWritten: 1, segmentChanges: 0 });
    expect((await rfmRows(shopId)).get("1")).toMatchObject({
      monetary: "20.0000",
      segment: "DORMANT",
    });
    expect(await segmentChanges(shopId)).toEqual([
      { customer: "1", from: null, to: "DORMANT", rule_set: "v1" },
    ]);
  });

  it("drops the row of a deleted customer and keeps their history", async () => {
    const { shopId } = await seedRfmShop(live("1", "2"), [paid("1", 1)]);
    await score(shopId);
    await tombstone(pool, "customers", shopId, "2", new Date("2026-10-31T00:00:00Z"));
    const result = await score(shopId);
    expect(result.rowsDeleted).toBe(1);
    expect([...(await rfmRows(shopId)).keys()]).toEqual(["1"]);
    expect((await segmentChanges(shopId)).map((c) => c.customer).sort()).toEqual(["1", "2"]);
  });

  it("stores the run's breakpoints: the k-th value from the worst, k = ceil((s - 1) N / 5)", async () => {
    const frequencies = [1, 1, 1, 1, 1, 1, 2, 2, 3, 5];
    const customers = live(...frequencies.map((_, i) => String(i + 1)));
    const orders = frequencies.flatMap((n, i) =>
      Array.from({ length: n }, (_, j) => paid(String(i + 1), 10 * (i + 1) + j, "10.00")),
    );
    const { shopId } = await seedRfmShop(customers, orders);
    const { runId } = await score(shopId);
    const [run] = await query<{ f: number[]; scored: number; rule_set: string }>(
      `SELECT frequency_breakpoints AS f, scored_customers AS scored, rule_set
       FROM rfm_runs WHERE id = $1`,
      [runId],
    );
    // N = 10: k = 2, 4, 6, 8 → the 2nd, 4th, 6th and 8th smallest frequencies.
    expect(run).toEqual({ f: [1, 1, 1, 2], scored: 10, rule_set: "v1" });
  });

  it("never touches another shop's rows", async () => {
    const a = await seedRfmShop(live("1"), [paid("1", 1)]);
    const b = await seedRfmShop(live("1"), [paid("1", 1)]);
    await score(a.shopId);
    expect((await rfmRows(b.shopId)).size).toBe(0);
    await score(b.shopId);
    expect((await rfmRows(a.shopId)).size).toBe(1);
  });

  it("keeps customer ids exact up to 2^64 - 1, in scores and in history", async () => {
    const ids = ["9223372036854775808", "18446744073709551615", "820982911946154508"];
    const { shopId } = await seedRfmShop(
      live(...ids),
      ids.map((id, i) => paid(id, 10 * (i + 1))),
    );
    await score(shopId);
    expect([...(await rfmRows(shopId)).keys()].sort()).toEqual([...ids].sort());
    expect((await segmentChanges(shopId)).map((change) => change.customer).sort()).toEqual(
      [...ids].sort(),
    );
  });
});

const amount = fc
  .integer({ min: 0, max: 100_000 })
  .map((cents) => `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, "0")}`);

/** Small shops with many ties: few distinct days and amounts. */
const shopArbitrary = fc
  .integer({ min: 1, max: 12 })
  .chain((customerCount) =>
    fc.record({
      customers: fc.array(fc.boolean(), { minLength: customerCount, maxLength: customerCount }),
      orders: fc.array(
        fc.record({
          customer: fc.option(fc.integer({ min: 1, max: customerCount }), { freq: 8 }),
          days: fc.integer({ min: 0, max: 6 }).map((d) => d * 37),
          hours: fc.integer({ min: -30, max: 30 }),
          processed: fc.boolean(),
          cancelled: fc.boolean(),
          test: fc.option(fc.boolean()),
          financialStatus: fc.constantFrom("PAID", "PAID", "REFUNDED", "VOIDED", "PENDING", null),
          amount: fc.option(fc.oneof(amount, fc.constantFrom("10.00", "25.50")), { freq: 10 }),
          deleted: fc.boolean(),
        }),
        { maxLength: 30 },
      ),
    }),
  )
  .map(({ customers, orders }) => ({
    customers: customers.map((isLive, i) => ({ id: String(i + 1), live: isLive || i === 0 })),
    orders: orders.map((o): ReferenceOrder => {
      const at = new Date(AS_OF.getTime() - o.days * 86_400_000 + o.hours * 3_600_000);
      return {
        customerId: o.customer === null ? null : String(o.customer),
        processedAt: o.processed ? at : null,
        createdAt: o.processed ? new Date(at.getTime() - 86_400_000) : at,
        cancelledAt: o.cancelled && o.days % 2 === 0 ? at : null,
        test: o.test,
        financialStatus: o.financialStatus,
        currentTotalPrice: o.amount,
        deleted: o.deleted && o.days % 3 === 0,
      };
    }),
  }));

describe("property: the SQL scoring equals the rule set written plainly", () => {
  it("for random small shops", async () => {
    await fc.assert(
      fc.asyncProperty(shopArbitrary, async ({ customers, orders }) => {
        const { shopId } = await seedRfmShop(customers, orders);
        await score(shopId);
        expect(entries(await rfmRows(shopId))).toEqual(
          entries(referenceScores(customers, orders, AS_OF)),
        );
      }),
      { numRuns: 60 },
    );
  });
});

it("orderRecord writes every field the rule set reads", async () => {
  // The seeding helper goes through the guarded upsert: a guard against testing the SQL on rows
  // the app could never write.
  const { shopId } = await seedRfmShop(live("1"), []);
  await upsertOrders(pool, shopId, [orderRecord("42", paid("1", 2, "12.34"))]);
  const rows = await query(
    `SELECT customer_shopify_id::text AS customer, current_total_price::text AS amount,
            financial_status, test, cancelled_at
     FROM orders WHERE shop_id = $1`,
    [shopId],
  );
  expect(rows).toEqual([
    { customer: "1", amount: "12.3400", financial_status: "PAID", test: false, cancelled_at: null },
  ]);
});
