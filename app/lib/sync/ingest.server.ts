/**
 * Ingests a bulk operation's JSONL result in a fixed window, whatever the file's size
 * (docs/decisions/011, 035, 050):
 *
 * 1. stage: pull the body one chunk at a time, split it into lines (at most `linesPerBatch` at
 *    once), check each line into a staging row, and COPY the rows into temporary staging tables on
 *    this job's connection through two fixed buffers per table, one COPY at a time. A full buffer
 *    waits for PostgreSQL, and the body is not read meanwhile: PostgreSQL's pace is the download's.
 *    Line items may come before, after or far from their order (groupObjects: false promises no
 *    order at all), so their order is found in PostgreSQL, never in a map in Node;
 * 2. apply: in chunks, run the guarded upsert (the same one webhooks use) from the staging tables.
 *    An order and its line items are written in one transaction; a chunk skips rows whose stored
 *    version is as new or newer, so a webhook newer than the snapshot is never overwritten.
 *
 * Both run on `INGEST_CONNECTIONS` connections at once (docs/decisions/075): each row is staged on
 * the connection its id places it on (partitions.ts; a line item with its order), in temporary
 * tables of that connection's own, and each connection applies its own rows, so PostgreSQL works on
 * a core per connection. No row is on two connections, so their transactions never write the same
 * row.
 *
 * A retried ingest starts over and converges: rows it already wrote are then skipped as equal.
 * Lines that cannot be read are counted and described, never written half. The window's bounds
 * are measured as the ingest runs (`IngestCounts.window`).
 */
import type pg from "pg";
import { pool } from "../../db.server.ts";
import { logger } from "../../logger.server.ts";
import { applyChunk, orphanLineItems, refreshStatistics, tombstoneAbsent } from "./apply.server.ts";
import type { SyncEntity } from "./bulk-queries.ts";
import { LINES_PER_BATCH, onEach, stageLines } from "./stage-lines.server.ts";
import { COPY_BUFFER_BYTES, EXPECTED, STAGED } from "./staging.server.ts";

export { LINES_PER_BATCH, MAX_LINE_BYTES } from "./stage-lines.server.ts";

/**
 * What the ingest held at most, measured as it ran. Each is bounded by construction
 * (`windowBounds`), not by the size of the file.
 */
export interface IngestWindow {
  /** Lines read from the body and not yet staged. */
  maxLinesHeld: number;
  /** Bytes of staging rows not yet confirmed by PostgreSQL (the COPY buffers' contents). */
  maxCopyBytesHeld: number;
  /** Ids one apply transaction returned to Node. */
  maxAppliedIdsHeld: number;
}

export interface IngestCounts {
  /** Lines read from the file. */
  lines: number;
  written: number;
  skipped: number;
  rejected: number;
  /** The first few reasons lines were rejected, for the sync log. */
  rejections: string[];
  /** Rows tombstoned because a complete full snapshot no longer had them. */
  deleted: number;
  /** Milliseconds spent reading and staging the file, and applying the staged rows. */
  stageMs: number;
  applyMs: number;
  /** ANALYZEs of the written tables the apply ran, as they outgrew their statistics. */
  analyzed: number;
  /** Connections the ingest staged and applied on (fewer than asked when the pool had none). */
  connections: number;
  window: IngestWindow;
}

export interface IngestOptions {
  shopId: number;
  entity: SyncEntity;
  /** When the bulk operation started reading (its createdAt): the earliest time of its data. */
  snapshotAt: string;
  /**
   * Set for a complete result of an unfiltered (full) query: rows the file does not have, and that
   * nothing wrote since the run began, were deleted in Shopify without a webhook saying so. They
   * are tombstoned at this time (the run's completedAt, when every row had been read).
   */
  absentMeansDeletedAt?: string;
  /** Called after each applied chunk with the counts so far. */
  onProgress?: (counts: IngestCounts) => Promise<void>;
  /** Rows upserted per transaction. */
  applyBatch?: number;
  /** A longer line is a rejected line (its content is never held). Default 1 MiB. */
  maxLineBytes?: number;
  /** Lines split from the body before they are staged. */
  linesPerBatch?: number;
  /** Size of each of a staging table's two COPY buffers (on each connection). */
  copyBufferBytes?: number;
  /** Connections to stage and apply on, the caller's included. */
  connections?: number;
}

export const APPLY_BATCH = 5000;
/**
 * PostgreSQL's CPU per row is what the apply waits for (docs/decisions/069), and a connection is
 * one backend on one core: two connections use the two cores of the machine it was measured on.
 */
export const INGEST_CONNECTIONS = 2;

/**
 * The window's bounds for these options: what `IngestCounts.window` can never exceed. A staging
 * row longer than a COPY buffer is a rejected line, so two buffers per staging table and
 * connection bound what waits for PostgreSQL. Each connection's apply transaction returns at most
 * one chunk's ids.
 */
export function windowBounds(options: IngestOptions): IngestWindow {
  return {
    maxLinesHeld: options.linesPerBatch ?? LINES_PER_BATCH,
    maxCopyBytesHeld:
      2 *
      (options.copyBufferBytes ?? COPY_BUFFER_BYTES) *
      EXPECTED[options.entity].length *
      (options.connections ?? INGEST_CONNECTIONS),
    maxAppliedIdsHeld: options.applyBatch ?? APPLY_BATCH,
  };
}

/**
 * Up to `count` more connections of the pool, only as many as it can give at once: an ingest
 * never waits for a connection, nor takes one a task is waiting for; with none it runs on fewer.
 */
async function spareConnections(count: number): Promise<pg.PoolClient[]> {
  const clients: pg.PoolClient[] = [];
  while (clients.length < count) {
    const free =
      pool.waitingCount === 0 &&
      (pool.idleCount > 0 || pool.totalCount < (pool.options.max ?? Infinity));
    if (!free) break;
    try {
      clients.push(await pool.connect());
    } catch (error) {
      logger.warn({ err: error }, "a bulk ingest runs on fewer connections: none could be opened");
      break;
    }
  }
  return clients;
}

export async function ingestBulkResult(
  client: pg.PoolClient,
  body: AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>,
  options: IngestOptions,
): Promise<IngestCounts> {
  const spare = await spareConnections((options.connections ?? INGEST_CONNECTIONS) - 1);
  let failed = false;
  try {
    return await ingestOn([client, ...spare], body, options);
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    // A connection of a failed ingest is closed: its staging tables and any COPY go with it.
    for (const extra of spare) extra.release(failed);
  }
}

async function ingestOn(
  clients: pg.PoolClient[],
  body: AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>,
  options: IngestOptions,
): Promise<IngestCounts> {
  const counts: IngestCounts = {
    lines: 0,
    written: 0,
    skipped: 0,
    rejected: 0,
    rejections: [],
    deleted: 0,
    stageMs: 0,
    applyMs: 0,
    analyzed: 0,
    connections: clients.length,
    window: { maxLinesHeld: 0, maxCopyBytesHeld: 0, maxAppliedIdsHeld: 0 },
  };
  const started = performance.now();
  const reject = (line: number, reason: string) => {
    counts.rejected += 1;
    if (counts.rejections.length < 5) counts.rejections.push(`line ${line}: ${reason}`);
  };

  const partitions = await stageLines(clients, body, options, counts, reject);
  counts.stageMs = Math.round(performance.now() - started);

  // Progress reports one at a time, each with the counts as they are when it is written.
  let reported = Promise.resolve();
  const report = () => {
    reported = reported.then(() => options.onProgress?.(counts));
    return reported;
  };

  // 2. Apply, each connection its own rows.
  const applyBatch = options.applyBatch ?? APPLY_BATCH;
  const table = options.entity === "customers" ? STAGED.customers : STAGED.orders;
  await onEach(partitions, ({ client }) =>
    client.query(`CREATE INDEX ON ${table} (seq); ANALYZE ${table}`),
  );
  if (options.entity === "orders") {
    // Line items whose order is not in the file cannot be placed: counted, a few described. A line
    // item is staged where its order would be, so each connection finds its own.
    const orphans = await onEach(partitions, ({ client }) => orphanLineItems(client));
    const examples = orphans
      .flatMap((found) => found.examples)
      .sort((a, b) => a.line - b.line)
      .slice(0, 5);
    for (const row of examples) {
      reject(row.line, `LineItem ${row.id} names an order not in the file (${row.orderId})`);
    }
    counts.rejected += orphans.reduce((sum, found) => sum + found.count, 0) - examples.length;
  }
  let stopped = false;
  await onEach(partitions, async ({ client, staged }) => {
    try {
      const rowsStaged = staged[options.entity];
      for (let fromSeq = 0; fromSeq < rowsStaged && !stopped; fromSeq += applyBatch) {
        const toSeq = Math.min(fromSeq + applyBatch, rowsStaged);
        counts.analyzed += (await refreshStatistics(client, options.entity)).length;
        const range = { fromSeq, toSeq };
        const written = await applyChunk(client, options.shopId, options.entity, range);
        counts.window.maxAppliedIdsHeld = Math.max(counts.window.maxAppliedIdsHeld, written.length);
        counts.written += written.length;
        counts.skipped += toSeq - fromSeq - written.length;
        await report();
      }
    } catch (error) {
      stopped = true; // The other connections stop after their chunk in flight.
      throw error;
    }
  });

  // 3. Deletions no webhook reported: only from a complete, unfiltered snapshot read cleanly (a
  //    rejected line could be the row that looks absent). Each connection looks at the rows of its
  //    own partition, whose ids it alone staged.
  const deletedAt = options.absentMeansDeletedAt;
  if (deletedAt && counts.rejected === 0) {
    const deleted = await onEach(partitions, ({ client }, index) =>
      tombstoneAbsent(client, options.shopId, options.entity, {
        snapshotAt: options.snapshotAt,
        deletedAt,
        partition: { index, count: partitions.length },
      }),
    );
    counts.deleted = deleted.reduce((sum, n) => sum + n, 0);
    counts.written += counts.deleted;
    await report();
  }
  await onEach(partitions, async ({ client }) => {
    for (const kind of EXPECTED[options.entity]) {
      await client.query(`DROP TABLE IF EXISTS ${STAGED[kind]}`);
    }
  });
  counts.applyMs = Math.round(performance.now() - started) - counts.stageMs;
  return counts;
}
