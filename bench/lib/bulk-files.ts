/**
 * Bulk result files in Shopify's format, made by the Shopify stand-in from a seeded shop with the
 * exact queries Recur sends. Cached under .data/bench-files by size.
 */
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { customersBulkQuery, ordersBulkQuery } from "../../app/lib/sync/bulk-queries.ts";
import { PROJECT_ROOT } from "../../scripts/lib/embedded-postgres.ts";
import { startShopifyStandIn } from "../../tests/shopify-standin/index.ts";
import { runBulkQuery } from "../../tests/support/bulk.ts";

export interface BulkFiles {
  customers: { file: string; lines: number; createdAt: string };
  orders: { file: string; lines: number; createdAt: string };
}

export async function bulkFiles(customers: number, orders: number): Promise<BulkFiles> {
  const dir = path.join(PROJECT_ROOT, ".data", "bench-files", `${customers}-${orders}`);
  const manifest = path.join(dir, "manifest.json");
  if (existsSync(manifest)) return JSON.parse(await readFile(manifest, "utf8")) as BulkFiles;
  await mkdir(dir, { recursive: true });

  const standIn = await startShopifyStandIn({
    appUrl: "http://127.0.0.1:9",
    apiKey: "bench",
    apiSecret: "bench-secret",
    bulk: { objectsPerSecond: 10_000_000 },
  });
  try {
    const shop = await standIn.seedShop({ shop: "bench", customers, orders });
    const run = async (entity: "customers" | "orders", query: string) => {
      const result = await runBulkQuery(
        standIn,
        { shop: shop.shop, accessToken: shop.accessToken! },
        query,
      );
      const file = path.join(dir, `${entity}.jsonl`);
      await writeFile(file, result.text);
      return {
        file,
        lines: result.text.split("\n").filter(Boolean).length,
        createdAt: result.createdAt,
      };
    };
    const files: BulkFiles = {
      customers: await run("customers", customersBulkQuery()),
      orders: await run("orders", ordersBulkQuery()),
    };
    await writeFile(manifest, JSON.stringify(files, null, 2));
    return files;
  } finally {
    await standIn.close();
  }
}
