/**
 * The staging side of a bulk ingest: how each kind of bulk line is checked and laid out as a row
 * of a temporary staging table, and the COPY buffers that carry those rows to PostgreSQL.
 *
 * The buffers are the ingest's window on PostgreSQL (docs/decisions/050): each staging table has
 * two fixed buffers, one filling while the other is being copied, and the connection runs one COPY
 * at a time. A full buffer waits for the COPY in flight, so the pace of the download is the pace
 * at which PostgreSQL takes rows; what is held in Node is at most those buffers, whatever the size
 * of the file.
 */
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import type { z } from "zod";
import { describeIssues } from "../zod-issues.ts";
import {
  CUSTOMER_TRAVELLING,
  LINE_ITEM_TRAVELLING,
  ORDER_TRAVELLING,
  type Column,
} from "../db/guarded-upsert.server.ts";
import { valueChecker } from "./bulk-lines.ts";
import type { SyncEntity } from "./bulk-queries.ts";
import { customerLine, lineItemLine, orderLine } from "./bulk-records.ts";

export const STAGED = {
  customers: "recur_staged_customers",
  orders: "recur_staged_orders",
  lineItems: "recur_staged_line_items",
} as const;

export type Kind = keyof typeof STAGED;
type CopyValue = string | number | boolean | null;

/** The staging tables an entity's result fills. */
export const EXPECTED: Record<SyncEntity, Kind[]> = {
  customers: ["customers"],
  orders: ["orders", "lineItems"],
};

/** How one kind of line is checked and laid out in its staging table. */
export interface Stager {
  kind: Kind;
  /** The staging table's columns after `seq` and `line`. */
  columns: [name: string, type: string][];
  /**
   * The index in `values` of the id that places a row on one of the ingest's connections
   * (partitions.ts): its own id, or a line item's order's.
   */
  partitionBy: number;
  /** The line's values in that order, or why it cannot be read. */
  read(json: unknown): { values: CopyValue[] } | { reason: string };
}

function stager<R>(
  kind: Kind,
  schema: z.ZodType<R>,
  columns: Column<R>[],
  partitionBy = "shopify_id",
): Stager {
  const outOfRange = valueChecker(columns);
  return {
    kind,
    columns: columns.map((c) => [c.name, c.type]),
    partitionBy: columns.findIndex((c) => c.name === partitionBy),
    read(json) {
      const parsed = schema.safeParse(json);
      if (!parsed.success) return { reason: describeIssues(parsed.error, { root: "line" }) };
      // Bulk lines carry every field: a value not sent is staged as NULL.
      const values = columns.map((c) => c.value(parsed.data) ?? null);
      const reason = outOfRange(values);
      return reason ? { reason } : { values };
    },
  };
}

/** Which stager reads a line, by the type in the line's GID. */
export function stagers(snapshotAt: string): Record<string, Stager> {
  return {
    Customer: stager("customers", customerLine(snapshotAt), CUSTOMER_TRAVELLING),
    Order: stager("orders", orderLine, ORDER_TRAVELLING as Column<z.output<typeof orderLine>>[]),
    // A line item is staged with its order.
    LineItem: stager("lineItems", lineItemLine, LINE_ITEM_TRAVELLING, "order_shopify_id"),
  };
}

export function stagingDdl(stager: Stager): string {
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
export function copyRow(seq: number, line: number, values: CopyValue[]): string {
  let row = `${seq}\t${line}`;
  for (const value of values) row += `\t${copyValue(value)}`;
  return `${row}\n`;
}

/** Default size of one COPY buffer (each staging table has two). */
export const COPY_BUFFER_BYTES = 4 * 1024 * 1024;

/**
 * What an ingest's COPY buffers hold, on all its connections: bytes of staging rows written to a
 * buffer that PostgreSQL has not yet confirmed, with the most seen.
 */
export class CopyBytes {
  held = 0;
  maxHeld = 0;

  hold(bytes: number): void {
    this.held += bytes;
    if (this.held > this.maxHeld) this.maxHeld = this.held;
  }

  confirmed(bytes: number): void {
    this.held -= bytes;
  }
}

/** The COPYs of one connection, one at a time, in the order flushed. */
export class CopyQueue {
  last: Promise<void> = Promise.resolve();
  readonly bytes: CopyBytes;

  constructor(bytes: CopyBytes) {
    this.bytes = bytes;
  }

  /** Waits for every COPY queued so far. */
  async drain(): Promise<void> {
    await this.last;
  }
}

/**
 * Collects COPY rows of one staging table in two reusable buffers: one fills while the other is
 * being copied. Row strings die young (they are copied into the buffer at once), so memory stays
 * flat however large the file.
 */
export class StagingBatches {
  private readonly buffers: [Buffer, Buffer];
  private current = 0;
  private used = 0;
  private readonly client: pg.PoolClient;
  private readonly table: string;
  private readonly queue: CopyQueue;

  constructor(client: pg.PoolClient, table: string, queue: CopyQueue, bufferBytes: number) {
    this.client = client;
    this.table = table;
    this.queue = queue;
    this.buffers = [Buffer.allocUnsafe(bufferBytes), Buffer.allocUnsafe(bufferBytes)];
  }

  /** The largest row a buffer takes; a longer one is refused by `add` (false), never held. */
  get rowLimit(): number {
    return this.buffers[0].length;
  }

  /** Adds a row (false, and nothing held, when it is longer than a buffer). */
  async add(row: string): Promise<boolean> {
    const bytes = Buffer.byteLength(row);
    if (bytes > this.rowLimit) return false;
    if (this.used + bytes > this.rowLimit) await this.flush();
    this.queue.bytes.hold(bytes);
    this.used += this.buffers[this.current]!.write(row, this.used);
    return true;
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
    const queue = this.queue;
    const stream = this.client.query(copyFrom(`COPY ${this.table} FROM STDIN`));
    queue.last = pipeline(Readable.from([chunk]), stream).then(() => {
      queue.bytes.confirmed(chunk.length);
    });
    queue.last.catch(() => {}); // Rethrown where it is awaited: the next copy, or the end.
  }
}
