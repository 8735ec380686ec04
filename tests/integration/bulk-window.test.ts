/**
 * The bulk ingest holds a fixed window, whatever the size of the result (docs/decisions/050): a
 * result many times larger than the window, downloaded over HTTP from the stand-in through Recur's
 * own download, syncs exactly, and what the ingest held at any moment (lines not yet staged, bytes
 * of staging rows PostgreSQL had not confirmed, ids one apply transaction returned) never exceeded
 * the window's bounds. The bounds are asserted as the ingest measured them, not as memory or time.
 */
import { describe, expect, it } from "vitest";
import { pool } from "../../app/db.server.ts";
import { customersBulkQuery, ordersBulkQuery } from "../../app/lib/sync/bulk-queries.ts";
import { openBulkResult, DEFAULT_DOWNLOAD_LIMITS } from "../../app/lib/sync/download.server.ts";
import {
  ingestBulkResult,
  windowBounds,
  type IngestOptions,
} from "../../app/lib/sync/ingest.server.ts";
import { runBulkQuery } from "../support/bulk.ts";
import { compareWithGroundTruth } from "../support/ground-truth.ts";
import { standIn } from "../support/standin.ts";

/** A body that counts the bytes Recur pulled from it. */
async function* counted(
  body: AsyncIterable<Uint8Array>,
  total: { bytes: number },
): AsyncGenerator<Uint8Array> {
  for await (const chunk of body) {
    total.bytes += chunk.byteLength;
    yield chunk;
  }
}

describe("the bulk ingest's window", () => {
  it("a result many times the window syncs exactly, and what the ingest held stayed within the window", async () => {
    // Enough customers for their result to be ten times the window of two connections.
    const seeded = await standIn().seedShop({ shop: "window", customers: 600, orders: 900 });
    const { rows } = await pool.query<{ id: number }>(
      "INSERT INTO shops (domain) VALUES ($1) RETURNING id",
      [seeded.shop],
    );
    const shopId = rows[0]!.id;
    const shop = { shop: seeded.shop, accessToken: seeded.accessToken! };

    for (const [entity, query] of [
      ["customers", customersBulkQuery()],
      ["orders", ordersBulkQuery()],
    ] as const) {
      const result = await runBulkQuery(standIn(), shop, query);
      const operation = standIn()
        .bulkOperations(seeded.shop)
        .find((op) => op.status === "COMPLETED" && op.query === query && op.url)!;
      const options: IngestOptions = {
        shopId,
        entity,
        snapshotAt: result.createdAt,
        linesPerBatch: 8,
        copyBufferBytes: 4096,
        applyBatch: 40,
      };
      const bounds = windowBounds(options);
      const pulled = { bytes: 0 };
      const body = await openBulkResult(operation.url!, DEFAULT_DOWNLOAD_LIMITS, {
        production: false,
        standInUrl: standIn().url,
      });
      const client = await pool.connect();
      try {
        const counts = await ingestBulkResult(client, counted(body, pulled), options);
        const lines = result.text.split("\n").filter(Boolean).length;

        // The result is many times each bound: a window that grew with the file would show.
        expect(pulled.bytes).toBe(Buffer.byteLength(result.text));
        expect(pulled.bytes).toBeGreaterThan(10 * bounds.maxCopyBytesHeld);
        expect(lines).toBeGreaterThan(10 * bounds.maxLinesHeld);
        expect(counts.lines).toBe(lines);
        expect(counts.rejected).toBe(0);
        expect(counts.written).toBeGreaterThan(5 * bounds.maxAppliedIdsHeld);

        // What the ingest held, measured as it ran, never exceeded the window, and filled it.
        expect(counts.window.maxLinesHeld).toBe(bounds.maxLinesHeld);
        expect(counts.window.maxAppliedIdsHeld).toBe(bounds.maxAppliedIdsHeld);
        expect(counts.window.maxCopyBytesHeld).toBeLessThanOrEqual(bounds.maxCopyBytesHeld);
        // Rows went to PostgreSQL a buffer at a time, not one by one.
        expect(counts.window.maxCopyBytesHeld).toBeGreaterThan(4096 * 0.9);
      } finally {
        client.release();
      }
    }

    const comparison = await compareWithGroundTruth(
      pool,
      seeded.shop,
      standIn().groundTruth(seeded.shop),
    );
    expect(comparison.differences).toEqual([]);
    expect(comparison.counts).toMatchObject({ customers: 600, orders: 900 });
    expect(comparison.counts.lineItems).toBeGreaterThan(900);
  });

  it("a line whose staging row is longer than a COPY buffer is a rejected line, not a larger window", async () => {
    const seeded = await standIn().seedShop({ shop: "window-row", customers: 3, orders: 0 });
    const { rows } = await pool.query<{ id: number }>(
      "INSERT INTO shops (domain) VALUES ($1) RETURNING id",
      [seeded.shop],
    );
    const shop = { shop: seeded.shop, accessToken: seeded.accessToken! };
    const result = await runBulkQuery(standIn(), shop, customersBulkQuery());
    const [first, ...others] = result.text.split("\n").filter(Boolean);
    const long = JSON.stringify({
      ...(JSON.parse(first!) as object),
      tags: Array.from({ length: 40 }, (_, i) => `tag-${i}`),
    });
    const client = await pool.connect();
    try {
      const counts = await ingestBulkResult(
        client,
        counted(
          (async function* () {
            yield Buffer.from([long, ...others].join("\n") + "\n");
          })(),
          { bytes: 0 },
        ),
        {
          shopId: rows[0]!.id,
          entity: "customers",
          snapshotAt: result.createdAt,
          copyBufferBytes: 1024,
        },
      );
      expect(counts.rejected).toBe(1);
      expect(counts.rejections[0]).toMatch(/^line 1: .*its staging row is longer than 1024 bytes$/);
      expect(counts.written).toBe(2);
      expect(counts.window.maxCopyBytesHeld).toBeLessThanOrEqual(2 * 1024);
    } finally {
      client.release();
    }
  });
});
