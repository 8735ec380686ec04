/**
 * One bad line of a bulk result is one rejected line (docs/decisions/035): what PostgreSQL cannot
 * store (a NUL character, a number out of its column's range, a line longer than the limit) is
 * counted and described on the sync run, and the run still completes with every other row.
 * Through the real path: the stand-in's bulk operation, its finish webhook, the ingest job.
 */
import { readFile, writeFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { pool } from "../../app/db.server.ts";
import { enqueueJob } from "../../app/lib/queue/enqueue.server.ts";
import {
  CUSTOMER_TRAVELLING,
  LINE_ITEM_TRAVELLING,
  ORDER_TRAVELLING,
  type Column,
} from "../../app/lib/db/guarded-upsert.server.ts";
import { boundedLines, columnLimit, type BulkLine } from "../../app/lib/sync/bulk-lines.ts";
import { ingestBulkResult } from "../../app/lib/sync/ingest.server.ts";
import * as webhooks from "../../app/routes/webhooks.ts";
import { startAppServer, type AppServer } from "../support/app-server.ts";
import { installShop, query } from "../support/db.ts";
import { compareWithGroundTruth } from "../support/ground-truth.ts";
import { drainJobs } from "../support/jobs.ts";
import { standIn } from "../support/standin.ts";
import { seedInstalledShop, syncRuns } from "../support/sync.ts";

let app: AppServer;
beforeAll(async () => {
  app = await startAppServer({ "/webhooks": webhooks });
});
afterAll(() => app.close());

/** 2^70, written as JSON writes it: a valid JSON number no integer column can hold. */
const TWO_TO_THE_70 = "1180591620717411303424";

/**
 * Runs a full orders sync whose result file is edited by `edit` (lines in, lines out) after Shopify
 * wrote it and before Recur downloads it.
 */
async function syncOrdersWithEditedFile(
  shop: string,
  shopId: number,
  edit: (lines: string[]) => string[],
) {
  standIn().setBulkMode("manual", shop);
  onTestFinished(() => standIn().setBulkMode("auto", shop));
  await enqueueJob(pool, "sync.start", { shopId, kind: "full", entity: "orders" });
  await drainJobs();
  const [run] = await syncRuns(shopId);
  const finished = await standIn().finishBulkOperation(shop, run!.bulk_operation_id!);
  const file = standIn().bulk.filePath(new URL(finished.url!).pathname.split("/").pop()!);
  const lines = (await readFile(file!, "utf8")).split("\n").filter(Boolean);
  await writeFile(file!, `${edit(lines).join("\n")}\n`);
  await standIn().waitForDeliveries();
  await drainJobs();
  return (await syncRuns(shopId))[0]!;
}

describe("a bad bulk line", () => {
  it("a NUL in one line and a 2^70 quantity in another: the run completes with 2 rejected lines and every other row written", async () => {
    const { domain, shopId } = await seedInstalledShop({
      shop: "bad-lines",
      customers: 5,
      orders: 12,
    });
    const rejected: { line: number; id: string }[] = [];
    const run = await syncOrdersWithEditedFile(domain, shopId, (lines) => {
      const lineItems = lines
        .map((text, index) => ({ text, index, json: JSON.parse(text) as Record<string, unknown> }))
        .filter((line) => "__parentId" in line.json);
      const [nul, huge] = lineItems;
      // A title with U+0000, escaped as JSON escapes it.
      lines[nul!.index] = JSON.stringify({ ...nul!.json, title: "Snow\u0000board" });
      lines[huge!.index] = JSON.stringify({ ...huge!.json, quantity: 1 }).replace(
        '"quantity":1',
        `"quantity":${TWO_TO_THE_70}`,
      );
      for (const line of [nul!, huge!]) {
        rejected.push({ line: line.index + 1, id: String(line.json.id).replace(/^.*\//, "") });
      }
      return lines;
    });

    expect(run).toMatchObject({ status: "completed", lines_rejected: 2 });
    expect(run.error_message).toContain(
      `line ${rejected[0]!.line}: gid://shopify/LineItem/${rejected[0]!.id}: holds a NUL character (U+0000)`,
    );
    expect(run.error_message).toContain(
      `line ${rejected[1]!.line}: gid://shopify/LineItem/${rejected[1]!.id}: quantity`,
    );
    // Every other row is Shopify's: all 12 orders, every line item but the two rejected ones.
    const truth = standIn().groundTruth(domain);
    const skipped = new Set(rejected.map((r) => r.id));
    const comparison = await compareWithGroundTruth(pool, domain, {
      customers: [],
      orders: truth.orders.map((order) => ({
        ...order,
        lineItems: order.lineItems.filter((item) => !skipped.has(item.id)),
      })),
    });
    expect(comparison.differences).toEqual([]);
    expect(comparison.counts.orders).toBe(12);
    expect(run.rows_written).toBe(12);
  });

  it("a line longer than the limit is a rejected line, and the lines after it are read", async () => {
    const { domain, shopId } = await seedInstalledShop({
      shop: "long-line",
      customers: 3,
      orders: 4,
    });
    let longLine = 0;
    const run = await syncOrdersWithEditedFile(domain, shopId, (lines) => {
      // 2 MiB of JSON (over the 1 MiB limit) in the middle of the file.
      longLine = 2;
      lines.splice(1, 0, JSON.stringify({ id: "gid://shopify/Order/1", pad: "x".repeat(2 << 20) }));
      return lines;
    });
    expect(run).toMatchObject({ status: "completed", lines_rejected: 1 });
    expect(run.error_message).toMatch(new RegExp(`line ${longLine}: longer than 1048576 bytes`));
    const comparison = await compareWithGroundTruth(pool, domain, {
      customers: [],
      orders: standIn().groundTruth(domain).orders,
    });
    expect(comparison.differences).toEqual([]);
  });
});

const money = (amount: string) => ({ shopMoney: { amount, currencyCode: "USD" } });
const orderJson = (id: number, total = "10.00") => ({
  id: `gid://shopify/Order/${id}`,
  name: `#${id}`,
  email: null,
  customer: null,
  createdAt: "2026-11-01T00:00:00Z",
  updatedAt: "2026-11-01T00:00:00Z",
  processedAt: "2026-11-01T00:00:00Z",
  cancelledAt: null,
  cancelReason: null,
  displayFinancialStatus: "PAID",
  displayFulfillmentStatus: "FULFILLED",
  currencyCode: "USD",
  totalPriceSet: money(total),
  subtotalPriceSet: money("10.00"),
  currentTotalPriceSet: money("10.00"),
  test: false,
  tags: [],
});
const lineItemJson = (id: number, orderId: number, quantity: number) => ({
  id: `gid://shopify/LineItem/${id}`,
  __parentId: `gid://shopify/Order/${orderId}`,
  title: "Board",
  variantTitle: null,
  sku: null,
  quantity,
  originalUnitPriceSet: money("10.00"),
  product: null,
  variant: null,
});

describe("numbers a column cannot hold", () => {
  it("an integer quantity of 2^40 and an amount of 10^16 are rejected lines; the rest is written", async () => {
    const shopId = await installShop("out-of-range.myshopify.com");
    const file = [
      orderJson(1),
      orderJson(2, "12345678901234567.00"),
      lineItemJson(11, 1, 2 ** 40),
      lineItemJson(12, 1, 3),
    ]
      .map((line) => JSON.stringify(line))
      .join("\n");
    const client = await pool.connect();
    try {
      const counts = await ingestBulkResult(client, new Blob([file]).stream(), {
        shopId,
        entity: "orders",
        snapshotAt: "2026-11-02T00:00:00Z",
      });
      expect(counts).toMatchObject({ rejected: 2, written: 1 });
      expect(counts.rejections).toEqual([
        "line 2: gid://shopify/Order/2: total_price is out of range (at most 16 digits before the decimal point)",
        "line 3: gid://shopify/LineItem/11: quantity is out of range (an integer from -2147483648 to 2147483647)",
      ]);
    } finally {
      client.release();
    }
    expect(
      await query(
        "SELECT shopify_id::text, quantity FROM order_line_items WHERE shop_id = $1 ORDER BY 1",
        [shopId],
      ),
    ).toEqual([{ shopify_id: "12", quantity: 3 }]);
  });

  it("the ranges checked are the tables' own column types", async () => {
    const tables = [
      ["customers", CUSTOMER_TRAVELLING],
      ["orders", ORDER_TRAVELLING],
      ["order_line_items", LINE_ITEM_TRAVELLING],
    ] as const;
    let checked = 0;
    for (const [table, columns] of tables) {
      for (const column of columns as readonly Column<unknown>[]) {
        const limit = columnLimit(column);
        if (limit.kind === "none") continue;
        const [actual] = await query<{
          data_type: string;
          numeric_precision: number | null;
          numeric_scale: number | null;
        }>(
          `SELECT data_type, numeric_precision, numeric_scale FROM information_schema.columns
           WHERE table_schema = current_schema() AND table_name = $1 AND column_name = $2`,
          [table, column.name],
        );
        expect(actual, `${table}.${column.name}`).toEqual(
          limit.kind === "integer"
            ? { data_type: "integer", numeric_precision: 32, numeric_scale: 0 }
            : {
                data_type: "numeric",
                numeric_precision: limit.precision,
                numeric_scale: limit.scale,
              },
        );
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThan(8);
  });
});

describe("splitting a result into lines", () => {
  const collect = async (chunks: string[], max: number) => {
    const out: BulkLine[] = [];
    async function* body() {
      for (const chunk of chunks) yield Buffer.from(chunk);
    }
    for await (const batch of boundedLines(body(), max)) out.push(...batch);
    return out;
  };

  it("joins lines across chunks, strips CRLF, keeps a last line without a newline, numbers blank lines", async () => {
    expect(await collect(['{"a":', '1}\r\n\n{"b"', ":2}\n", '{"c":3}'], 100)).toEqual([
      { number: 1, text: '{"a":1}' },
      { number: 2, text: "" },
      { number: 3, text: '{"b":2}' },
      { number: 4, text: '{"c":3}' },
    ]);
  });

  it("drops an overlong line, within a chunk or across several, and goes on counting", async () => {
    const long = "x".repeat(25);
    expect(
      await collect([`ok\n${long}\n`, long.slice(0, 10), long.slice(10), long, "\nend"], 20),
    ).toEqual([
      { number: 1, text: "ok" },
      { number: 2, tooLong: true, bytes: 25 },
      { number: 3, tooLong: true, bytes: 50 },
      { number: 4, text: "end" },
    ]);
  });

  it("gives a chunk's lines in batches of at most N, and pulls the next chunk only after the last", async () => {
    const events: string[] = [];
    async function* body() {
      events.push("pull 1");
      yield Buffer.from(Array.from({ length: 10 }, (_, i) => `{"n":${i}}\n`).join(""));
      events.push("pull 2");
      yield Buffer.from('{"n":10}\n');
    }
    const numbers: number[] = [];
    for await (const batch of boundedLines(body(), 100, 4)) {
      events.push(`batch of ${batch.length}`);
      numbers.push(...batch.map((line) => line.number));
    }
    expect(events).toEqual([
      "pull 1",
      "batch of 4",
      "batch of 4",
      "batch of 2",
      "pull 2",
      "batch of 1",
    ]);
    expect(numbers).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  });

  it("decodes a UTF-8 character split between chunks", async () => {
    const bytes = Buffer.from('{"t":"é"}\n');
    const out: BulkLine[] = [];
    async function* body() {
      yield bytes.subarray(0, 7);
      yield bytes.subarray(7);
    }
    for await (const batch of boundedLines(body(), 100)) out.push(...batch);
    expect(out).toEqual([{ number: 1, text: '{"t":"é"}' }]);
  });
});
