/**
 * Bulk result files in Shopify's format, made by the Shopify stand-in from a seeded shop with the
 * exact queries Recur sends. Cached under .data/bench-files by size.
 */
import { existsSync } from "node:fs";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createWriteStream } from "node:fs";
import { customersBulkQuery, ordersBulkQuery } from "../../app/lib/sync/bulk-queries.ts";
import { PROJECT_ROOT } from "../../scripts/lib/embedded-postgres.ts";
import { startShopifyStandIn } from "../../tests/shopify-standin/index.ts";

export interface BulkFiles {
  customers: { file: string; lines: number; createdAt: string };
  orders: { file: string; lines: number; createdAt: string };
}

async function countLines(file: string): Promise<number> {
  const text = await readFile(file, "utf8");
  let lines = 0;
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) lines += 1;
  return lines;
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
    const graphql = async (query: string, variables: Record<string, unknown> = {}) => {
      const response = await fetch(`${standIn.url}/admin/api/2026-10/graphql.json`, {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          "X-Shopify-Access-Token": shop.accessToken!,
          "X-Forwarded-Host": shop.shop,
        },
        body: JSON.stringify({ query, variables }),
      });
      return (await response.json()) as { data: Record<string, unknown> };
    };
    const run = async (entity: "customers" | "orders", query: string) => {
      const started = await graphql(
        `
          mutation ($q: String!) {
            bulkOperationRunQuery(query: $q, groupObjects: false) {
              bulkOperation {
                id
              }
              userErrors {
                message
              }
            }
          }
        `,
        { q: query },
      );
      const id = (started.data.bulkOperationRunQuery as { bulkOperation: { id: string } })
        .bulkOperation.id;
      const done = await standIn.waitForBulkOperation(shop.shop, id, ["COMPLETED"]);
      const file = path.join(dir, `${entity}.jsonl`);
      const response = await fetch(done.url!);
      await pipeline(Readable.fromWeb(response.body as never), createWriteStream(`${file}.part`));
      await rename(`${file}.part`, file);
      return { file, lines: await countLines(file), createdAt: done.createdAt };
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
