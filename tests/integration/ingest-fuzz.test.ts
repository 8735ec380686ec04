/**
 * Fuzzing the bulk ingest with malformed lines (truncated, wrong types, unknown parents, garbage):
 * it never throws, counts every unreadable line, writes every good row and nothing else.
 */
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { pool } from "../../app/db.server.ts";
import { ordersBulkQuery } from "../../app/lib/sync/bulk-queries.ts";
import { ingestBulkResult } from "../../app/lib/sync/ingest.server.ts";
import { runBulkQuery } from "../support/bulk.ts";
import { query } from "../support/db.ts";
import { standIn } from "../support/standin.ts";

let lines: string[] = [];
let snapshotAt = "";

beforeAll(async () => {
  const shop = await standIn().seedShop({ shop: "fuzz", customers: 10, orders: 25 });
  const result = await runBulkQuery(
    standIn(),
    { shop: shop.shop, accessToken: shop.accessToken! },
    ordersBulkQuery(),
  );
  lines = result.text.split("\n").filter(Boolean);
  snapshotAt = result.createdAt;
});

type Corruption = "truncate" | "wrong type" | "unknown parent" | "garbage" | "no id";

function corrupt(line: string, how: Corruption, seed: number): string {
  const json = JSON.parse(line) as Record<string, unknown>;
  switch (how) {
    case "truncate":
      return line.slice(0, 1 + (seed % (line.length - 1)));
    case "wrong type":
      return JSON.stringify(
        "__parentId" in json ? { ...json, quantity: "three" } : { ...json, updatedAt: 42 },
      );
    case "unknown parent":
      return JSON.stringify({ ...json, __parentId: "gid://shopify/Order/999999999" });
    case "garbage":
      return `\u0001${String.fromCharCode(33 + (seed % 90))}garbage ${seed}`;
    case "no id":
      return JSON.stringify({ ...json, id: undefined });
  }
}

const kind = (line: string) =>
  (JSON.parse(line) as { id: string }).id.includes("/LineItem/") ? "item" : "order";
const idOf = (line: string) => (JSON.parse(line) as { id: string }).id.split("/").pop()!;
const parentOf = (line: string) =>
  ((JSON.parse(line) as { __parentId?: string }).__parentId ?? "").split("/").pop()!;

describe("the bulk ingest, fed malformed lines", () => {
  it("property: counts every bad line and writes exactly the good rows", async () => {
    expect(lines.length).toBeGreaterThan(40);
    const corruptions = fc.dictionary(
      fc.nat({ max: lines.length - 1 }).map(String),
      fc.tuple(
        fc.constantFrom<Corruption>("truncate", "wrong type", "unknown parent", "garbage", "no id"),
        fc.nat(),
      ),
      { maxKeys: 8 },
    );
    let run = 0;
    await fc.assert(
      fc.asyncProperty(corruptions, async (chosen) => {
        run += 1;
        const { rows } = await pool.query<{ id: number }>(
          "INSERT INTO shops (domain) VALUES ($1) RETURNING id",
          [`fuzz-${run}-${Date.now()}.myshopify.com`],
        );
        const shopId = rows[0]!.id;
        const bad = new Set(Object.keys(chosen).map(Number));
        const file = lines.map((line, index) => {
          const c = chosen[String(index)];
          if (!c) return line;
          // "unknown parent" only means something on a line item; elsewhere it is a wrong type.
          const how = c[0] === "unknown parent" && kind(line) !== "item" ? "wrong type" : c[0];
          return corrupt(line, how, c[1]);
        });

        const client = await pool.connect();
        try {
          const body = new Blob([file.join("\n") + "\n"]).stream();
          const counts = await ingestBulkResult(client, body, {
            shopId,
            entity: "orders",
            snapshotAt,
          });

          const goodOrders = new Set(
            lines.filter((l, i) => !bad.has(i) && kind(l) === "order").map(idOf),
          );
          const goodItems = lines.filter(
            (l, i) => !bad.has(i) && kind(l) === "item" && goodOrders.has(parentOf(l)),
          );
          const orphaned = lines.filter(
            (l, i) => !bad.has(i) && kind(l) === "item" && !goodOrders.has(parentOf(l)),
          );
          expect(counts.lines).toBe(lines.length);
          expect(counts.rejected).toBe(bad.size + orphaned.length);
          expect(counts.rejections.length).toBe(Math.min(5, counts.rejected));

          const orders = await query<{ id: string }>(
            "SELECT shopify_id::text AS id FROM orders WHERE shop_id = $1",
            [shopId],
          );
          expect(new Set(orders.map((o) => o.id))).toEqual(goodOrders);
          const items = await query<{ id: string }>(
            "SELECT shopify_id::text AS id FROM order_line_items WHERE shop_id = $1",
            [shopId],
          );
          expect(new Set(items.map((i) => i.id))).toEqual(new Set(goodItems.map(idOf)));
        } finally {
          client.release();
        }
      }),
      { numRuns: 25 },
    );
  });
});
