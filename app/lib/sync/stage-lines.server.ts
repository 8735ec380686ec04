/**
 * The stage of a bulk ingest (ingest.server.ts): the body's lines checked and COPYed into the
 * staging tables of the ingest's connections, each row on the connection its id places it on
 * (partitions.ts, docs/decisions/075), and the helper that runs work on every connection at once.
 */
import { Readable } from "node:stream";
import type pg from "pg";
import { parseGid, quotableId } from "../db/records.ts";
import { boundedLines, unstorableText } from "./bulk-lines.ts";
import type { IngestCounts, IngestOptions } from "./ingest.server.ts";
import { partitionOf } from "./partitions.ts";
import {
  COPY_BUFFER_BYTES,
  CopyBytes,
  copyRow,
  CopyQueue,
  EXPECTED,
  STAGED,
  StagingBatches,
  stagers,
  stagingDdl,
  type Kind,
} from "./staging.server.ts";

/** Bulk lines are one object each (a line item is its own line): 1 MiB is far beyond any. */
export const MAX_LINE_BYTES = 1024 * 1024;
export const LINES_PER_BATCH = 512;

/** A GID whose number is out of range quotes safely: it holds nothing but a type and digits. */
const GID_SHAPED = /^gid:\/\/shopify\/[A-Za-z]{1,40}\/\d{1,40}$/;

/** One connection's part of an ingest: its staging tables, its COPYs and what it staged. */
export interface Partition {
  client: pg.PoolClient;
  queue: CopyQueue;
  batches: Partial<Record<Kind, StagingBatches>>;
  staged: Record<Kind, number>;
}

/**
 * Runs `work` on every partition at once and waits for all of them, so no connection is still in
 * use when the ingest returns or fails; then throws the first failure, if any.
 */
export async function onEach<T>(
  partitions: Partition[],
  work: (partition: Partition, index: number) => Promise<T>,
): Promise<T[]> {
  const settled = await Promise.allSettled(partitions.map(work));
  const values: T[] = [];
  for (const result of settled) {
    if (result.status === "rejected") throw result.reason;
    values.push(result.value);
  }
  return values;
}

/**
 * 1. Stage: every line of the body checked and COPYed into its staging table, on the connection
 * its id places it on.
 */
export async function stageLines(
  clients: pg.PoolClient[],
  body: AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>,
  options: IngestOptions,
  counts: IngestCounts,
  reject: (line: number, reason: string) => void,
): Promise<Partition[]> {
  const expected = EXPECTED[options.entity];
  const byType = stagers(options.snapshotAt);
  const bufferBytes = options.copyBufferBytes ?? COPY_BUFFER_BYTES;
  const bytes = new CopyBytes();
  const partitions = await Promise.all(
    clients.map(async (client): Promise<Partition> => {
      // Staging lives in temporary tables; with PostgreSQL's default 8 MB of temp_buffers they
      // spill to disk at once. (Takes effect when the session has not used temporary tables yet.)
      await client.query("SET temp_buffers = '256MB'");
      for (const found of Object.values(byType)) {
        if (expected.includes(found.kind)) await client.query(stagingDdl(found));
      }
      // On each connection one COPY runs while the next buffer fills; never more than one is
      // outstanding.
      const queue = new CopyQueue(bytes);
      const batches: Partial<Record<Kind, StagingBatches>> = {};
      for (const kind of expected) {
        batches[kind] = new StagingBatches(client, STAGED[kind], queue, bufferBytes);
      }
      return { client, queue, batches, staged: { customers: 0, orders: 0, lineItems: 0 } };
    }),
  );
  const maxLineBytes = options.maxLineBytes ?? MAX_LINE_BYTES;
  const chunks: AsyncIterable<Uint8Array> =
    Symbol.asyncIterator in body ? body : Readable.fromWeb(body as never);
  const linesPerBatch = options.linesPerBatch ?? LINES_PER_BATCH;
  for await (const batch of boundedLines(chunks, maxLineBytes, linesPerBatch)) {
    if (batch.length > counts.window.maxLinesHeld) counts.window.maxLinesHeld = batch.length;
    for (const read of batch) {
      const line = read.number;
      if ("tooLong" in read) {
        counts.lines += 1;
        reject(line, `longer than ${maxLineBytes} bytes (${read.bytes})`);
        continue;
      }
      const text = read.text;
      if (!text.trim()) continue;
      counts.lines += 1;
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        reject(line, "not JSON");
        continue;
      }
      const id = (json as { id?: unknown } | null)?.id;
      const gid = typeof id === "string" ? parseGid(id) : undefined;
      const stager = gid ? byType[gid.type] : undefined;
      if (!stager || !expected.includes(stager.kind)) {
        reject(
          line,
          typeof id !== "string"
            ? "no id"
            : gid
              ? `unexpected object ${quotableId(id)}`
              : GID_SHAPED.test(id)
                ? `${id} is not a GID with an id from 1 to 2^64 - 1`
                : quotableId(id),
        );
        continue;
      }
      const unstorable = unstorableText(text, json);
      if (unstorable) {
        reject(line, `${quotableId(id)}: ${unstorable}`);
        continue;
      }
      const record = stager.read(json);
      if ("reason" in record) {
        reject(line, `${quotableId(id)}: ${record.reason}`);
        continue;
      }
      const at = partitionOf(String(record.values[stager.partitionBy]), partitions.length);
      const partition = partitions[at]!;
      const seq = partition.staged[stager.kind] + 1;
      if (!(await partition.batches[stager.kind]!.add(copyRow(seq, line, record.values)))) {
        reject(line, `${quotableId(id)}: its staging row is longer than ${bufferBytes} bytes`);
        continue;
      }
      partition.staged[stager.kind] = seq;
    }
  }
  await onEach(partitions, async ({ batches, queue }) => {
    for (const kind of expected) await batches[kind]!.flush();
    await queue.drain();
  });
  counts.window.maxCopyBytesHeld = bytes.maxHeld;
  return partitions;
}
