/**
 * Ingests a bulk operation's JSONL result without holding it in memory:
 *
 * 1. stage: stream the file line by line, parse each line into a record, and COPY the records into
 *    temporary staging tables on this job's connection. Line items may come before, after or far
 *    from their order (groupObjects: false promises no order at all), so nothing is written yet;
 * 2. apply: in chunks, run the guarded upsert (the same one webhooks use) from the staging tables.
 *    An order and its line items are written in one transaction; a chunk skips rows whose stored
 *    version is as new or newer, so a webhook newer than the snapshot is never overwritten.
 *
 * A retried ingest starts over and converges: rows it already wrote are then skipped as equal.
 * Lines that cannot be read are counted and described, never written half.
 */
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import type { z } from "zod";
import { withTransaction } from "../../db.server.ts";
import {
  CUSTOMER_TRAVELLING,
  LINE_ITEM_TRAVELLING,
  ORDER_TRAVELLING,
  upsertStagedCustomers,
  upsertStagedOrders,
  type Column,
} from "../store/guarded-upsert.server.ts";
import { parseGid, quotableId } from "../store/records.ts";

/** A GID whose number is out of range quotes safely: it holds nothing but a type and digits. */
const GID_SHAPED = /^gid:\/\/shopify\/[A-Za-z]{1,40}\/\d{1,40}$/;
import { boundedLines, unstorableText, valueChecker } from "./bulk-lines.ts";
import type { SyncEntity } from "./bulk-queries.ts";
import { customerLine, lineItemLine, orderLine } from "./bulk-records.ts";

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
}

/** Bulk lines are one object each (a line item is its own line): 1 MiB is far beyond any. */
export const MAX_LINE_BYTES = 1024 * 1024;

const STAGED = {
  customers: "recur_staged_customers",
  orders: "recur_staged_orders",
  lineItems: "recur_staged_line_items",
} as const;

type Kind = keyof typeof STAGED;
type CopyValue = string | number | boolean | null;

/** How one kind of line is checked and laid out in its staging table. */
interface Stager {
  kind: Kind;
  /** The staging table's columns after `seq` and `line`. */
  columns: [name: string, type: string][];
  /** The line's values in that order, or why it cannot be read. */
  read(json: unknown): { values: CopyValue[] } | { reason: string };
}

function stager<R>(kind: Kind, schema: z.ZodType<R>, columns: Column<R>[]): Stager {
  const outOfRange = valueChecker(columns);
  return {
    kind,
    columns: columns.map((c) => [c.name, c.type]),
    read(json) {
      const parsed = schema.safeParse(json);
      if (!parsed.success) return { reason: describe(parsed.error) };
      // Bulk lines carry every field: a value not sent is staged as NULL.
      const values = columns.map((c) => c.value(parsed.data) ?? null);
      const reason = outOfRange(values);
      return reason ? { reason } : { values };
    },
  };
}

/** Which stager reads a line, by the type in the line's GID. */
function stagers(snapshotAt: string): Record<string, Stager> {
  return {
    Customer: stager("customers", customerLine(snapshotAt), CUSTOMER_TRAVELLING),
    Order: stager("orders", orderLine, ORDER_TRAVELLING as Column<z.output<typeof orderLine>>[]),
    LineItem: stager("lineItems", lineItemLine, LINE_ITEM_TRAVELLING),
  };
}

const EXPECTED: Record<SyncEntity, Kind[]> = {
  customers: ["customers"],
  orders: ["orders", "lineItems"],
};

function stagingDdl(stager: Stager): string {
  const table = STAGED[stager.kind];
  return `DROP TABLE IF EXISTS ${table};
    CREATE TEMP TABLE ${table} (seq integer NOT NULL, line integer NOT NULL, ${stager.columns
      .map(([name, type]) => `${name} ${type}`)
      .join(", ")})`;
}

/** One value in PostgreSQL's COPY text format. */
function copyValue(value: CopyValue): string {
  if (value === null) return "\\N";
  if (typeof value !== "string") return String(value);
  return value.replace(/[\\\n\r\t]/g, (char) =>
    char === "\\" ? "\\\\" : char === "\n" ? "\\n" : char === "\r" ? "\\r" : "\\t",
  );
}

/** One staging row in COPY text format. */
function copyRow(seq: number, line: number, values: CopyValue[]): string {
  let row = `${seq}\t${line}`;
  for (const value of values) row += `\t${copyValue(value)}`;
  return `${row}\n`;
}

const BATCH_BYTES = 4 * 1024 * 1024;

/**
 * Collects COPY rows of one staging table in two reusable buffers: one fills while the other is
 * being copied. Row strings die young (they are copied into the buffer at once), so memory stays
 * flat however large the file. COPYs on the connection are one at a time, in the order flushed.
 */
class StagingBatches {
  private readonly buffers = [Buffer.allocUnsafe(BATCH_BYTES), Buffer.allocUnsafe(BATCH_BYTES)];
  private current = 0;
  private used = 0;
  private readonly client: pg.PoolClient;
  private readonly table: string;
  private readonly queue: { last: Promise<void> };

  constructor(client: pg.PoolClient, table: string, queue: { last: Promise<void> }) {
    this.client = client;
    this.table = table;
    this.queue = queue;
  }

  async add(row: string): Promise<void> {
    const bytes = Buffer.byteLength(row);
    if (this.used + bytes > BATCH_BYTES) await this.flush();
    if (bytes > BATCH_BYTES) {
      await this.copy(Buffer.from(row)); // A single line larger than a batch: its own COPY.
      return;
    }
    this.used += this.buffers[this.current]!.write(row, this.used);
  }

  async flush(): Promise<void> {
    if (this.used === 0) return;
    const chunk = this.buffers[this.current]!.subarray(0, this.used);
    this.current = 1 - this.current;
    this.used = 0;
    await this.copy(chunk);
  }

  /** Waits for the COPY in flight (which frees this table's other buffer), then starts this one. */
  private async copy(chunk: Buffer): Promise<void> {
    await this.queue.last;
    const stream = this.client.query(copyFrom(`COPY ${this.table} FROM STDIN`));
    this.queue.last = pipeline(Readable.from([chunk]), stream);
    this.queue.last.catch(() => {}); // Rethrown where it is awaited: the next copy, or the end.
  }
}

function describe(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join(".") || "line"}: ${issue.message}`)
    .join("; ");
}

export async function ingestBulkResult(
  client: pg.PoolClient,
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
  };
  const started = performance.now();
  const reject = (line: number, reason: string) => {
    counts.rejected += 1;
    if (counts.rejections.length < 5) counts.rejections.push(`line ${line}: ${reason}`);
  };
  const expected = EXPECTED[options.entity];
  const byType = stagers(options.snapshotAt);
  // Staging lives in temporary tables; with PostgreSQL's default 8 MB of temp_buffers they spill to
  // disk at once. (Takes effect when the session has not used temporary tables yet.)
  await client.query("SET temp_buffers = '256MB'");
  for (const found of Object.values(byType)) {
    if (expected.includes(found.kind)) await client.query(stagingDdl(found));
  }

  // 1. Stage. One COPY runs while the next batch is parsed; never more than one is outstanding.
  const queue = { last: Promise.resolve() };
  const batches = Object.fromEntries(
    expected.map((kind) => [kind, new StagingBatches(client, STAGED[kind], queue)]),
  ) as Record<Kind, StagingBatches>;
  const staged: Record<Kind, number> = { customers: 0, orders: 0, lineItems: 0 };
  const maxLineBytes = options.maxLineBytes ?? MAX_LINE_BYTES;
  const chunks: AsyncIterable<Uint8Array> =
    Symbol.asyncIterator in body ? body : Readable.fromWeb(body as never);
  for await (const batch of boundedLines(chunks, maxLineBytes)) {
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
      staged[stager.kind] += 1;
      await batches[stager.kind].add(copyRow(staged[stager.kind], line, record.values));
    }
  }
  for (const kind of expected) await batches[kind].flush();
  await queue.last;

  counts.stageMs = Math.round(performance.now() - started);

  // 2. Apply.
  const applyBatch = options.applyBatch ?? 5000;
  const table = options.entity === "customers" ? STAGED.customers : STAGED.orders;
  await client.query(`CREATE INDEX ON ${table} (seq); ANALYZE ${table}`);
  if (options.entity === "orders") {
    await client.query(
      `CREATE INDEX ON ${STAGED.lineItems} (order_shopify_id); ANALYZE ${STAGED.lineItems}`,
    );
    // Line items whose order is not in the file cannot be placed: counted, a few described.
    const orphans = `FROM ${STAGED.lineItems} li WHERE NOT EXISTS
      (SELECT 1 FROM ${STAGED.orders} o WHERE o.shopify_id = li.order_shopify_id)`;
    const { rows } = await client.query<{ orphans: number }>(
      `SELECT count(*)::int AS orphans ${orphans}`,
    );
    const { rows: examples } = await client.query<{
      line: number;
      shopify_id: string;
      order_shopify_id: string;
    }>(
      `SELECT li.line, li.shopify_id::text, li.order_shopify_id::text ${orphans} ORDER BY li.line LIMIT 5`,
    );
    for (const row of examples) {
      reject(
        row.line,
        `LineItem ${row.shopify_id} names an order not in the file (${row.order_shopify_id})`,
      );
    }
    counts.rejected += rows[0]!.orphans - examples.length;
  }

  const rowsStaged = staged[options.entity];
  for (let fromSeq = 0; fromSeq < rowsStaged; fromSeq += applyBatch) {
    const toSeq = Math.min(fromSeq + applyBatch, rowsStaged);
    const range = { fromSeq, toSeq };
    // One transaction per chunk, on the ingest's connection (it holds the staging tables).
    const written = await withTransaction(client, (chunk) =>
      options.entity === "customers"
        ? upsertStagedCustomers(chunk, options.shopId, { table, ...range })
        : upsertStagedOrders(chunk, options.shopId, {
            orders: STAGED.orders,
            lineItems: STAGED.lineItems,
            ...range,
          }),
    );
    counts.written += written.length;
    counts.skipped += toSeq - fromSeq - written.length;
    await options.onProgress?.(counts);
  }

  // 3. Deletions no webhook reported: only from a complete, unfiltered snapshot read cleanly (a
  //    rejected line could be the row that looks absent).
  if (options.absentMeansDeletedAt && counts.rejected === 0) {
    counts.deleted = await tombstoneAbsent(client, options.shopId, options.entity, {
      staged: table,
      snapshotAt: options.snapshotAt,
      deletedAt: options.absentMeansDeletedAt,
    });
    counts.written += counts.deleted;
    await options.onProgress?.(counts);
  }
  for (const kind of expected) await client.query(`DROP TABLE IF EXISTS ${STAGED[kind]}`);
  counts.applyMs = Math.round(performance.now() - started) - counts.stageMs;
  return counts;
}

/**
 * Tombstones live rows of the shop that a full snapshot does not hold, when their stored version
 * predates the snapshot (a row created or changed by a webhook during the run is not touched).
 */
async function tombstoneAbsent(
  client: pg.PoolClient,
  shopId: number,
  entity: SyncEntity,
  { staged, snapshotAt, deletedAt }: { staged: string; snapshotAt: string; deletedAt: string },
): Promise<number> {
  return withTransaction(client, async (tx) => {
    const { rows } = await tx.query<{ shopify_id: string }>(
      `UPDATE ${entity} AS r SET deleted_at = $3, synced_at = now()
       WHERE r.shop_id = $1 AND r.deleted_at IS NULL AND r.shopify_updated_at < $2
         AND NOT EXISTS (SELECT 1 FROM ${staged} s WHERE s.shopify_id = r.shopify_id)
       RETURNING r.shopify_id::text`,
      [shopId, snapshotAt, deletedAt],
    );
    if (entity === "orders" && rows.length > 0) {
      await tx.query(
        "DELETE FROM order_line_items WHERE shop_id = $1 AND order_shopify_id = ANY($2::numeric[])",
        [shopId, rows.map((row) => row.shopify_id)],
      );
    }
    return rows.length;
  });
}
