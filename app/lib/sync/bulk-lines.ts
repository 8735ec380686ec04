/**
 * Reading a bulk result's lines so that one bad line is one rejected line (docs/decisions/035):
 *
 * - `boundedLines` splits the byte stream into lines itself, pulling one chunk at a time (the
 *   consumer's pace is the download's pace), and never holds more than `maxLineBytes` of a line:
 *   a longer line is skipped to its end and reported by number, never buffered;
 * - `unstorableText` finds what PostgreSQL cannot store in text or jsonb (U+0000, lone UTF-16
 *   surrogates), which would otherwise make the whole COPY, and so the whole ingest, fail;
 * - `valueChecker` refuses numbers outside the range of the column they are written to (a 2^70
 *   quantity in an integer column would fail the COPY or the upsert's chunk just the same).
 */
import type { Column } from "../db/guarded-upsert.server.ts";

export type BulkLine =
  { number: number; text: string } | { number: number; tooLong: true; bytes: number };

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/**
 * Lines of a byte stream, numbered from 1 (blank lines are numbered too, as an editor would), in
 * batches of at most `maxBatchLines` lines that end in one chunk (one promise per batch, not per
 * line). Holds at most the chunk being split, one batch of lines, and `maxLineBytes` of the line
 * that continues into the next chunk. The next chunk is pulled only when the consumer asks for the
 * next batch after the last of this chunk's.
 */
export async function* boundedLines(
  body: AsyncIterable<Uint8Array>,
  maxLineBytes: number,
  maxBatchLines = Number.POSITIVE_INFINITY,
): AsyncGenerator<BulkLine[]> {
  let parts: Buffer[] = [];
  let held = 0;
  /** Bytes of the current line when it is over the limit (its content is dropped). */
  let dropped = 0;
  let number = 0;

  const finish = (): BulkLine => {
    number += 1;
    if (dropped > 0) {
      const line: BulkLine = { number, tooLong: true, bytes: dropped };
      dropped = 0;
      return line;
    }
    let bytes = parts.length === 1 ? parts[0]! : Buffer.concat(parts, held);
    if (bytes.length > 0 && bytes[bytes.length - 1] === CARRIAGE_RETURN) {
      bytes = bytes.subarray(0, bytes.length - 1);
    }
    parts = [];
    held = 0;
    return { number, text: bytes.toString("utf8") };
  };

  const take = (piece: Buffer) => {
    if (dropped > 0) {
      dropped += piece.length;
    } else if (held + piece.length > maxLineBytes) {
      dropped = held + piece.length;
      parts = [];
      held = 0;
    } else if (piece.length > 0) {
      // A copy: the chunk may be a view of a larger buffer that would otherwise stay alive.
      parts.push(Buffer.from(piece));
      held += piece.length;
    }
  };

  for await (const chunk of body) {
    const buffer = Buffer.isBuffer(chunk)
      ? chunk
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let batch: BulkLine[] = [];
    let start = 0;
    for (;;) {
      if (batch.length >= maxBatchLines) {
        yield batch;
        batch = [];
      }
      const end = buffer.indexOf(NEWLINE, start);
      if (end === -1) break;
      if (held === 0 && dropped === 0) {
        // The common case: the whole line is inside this chunk.
        let stop = end;
        if (stop > start && buffer[stop - 1] === CARRIAGE_RETURN) stop -= 1;
        number += 1;
        if (end - start > maxLineBytes) batch.push({ number, tooLong: true, bytes: end - start });
        else batch.push({ number, text: buffer.toString("utf8", start, stop) });
      } else {
        take(buffer.subarray(start, end));
        batch.push(finish());
      }
      start = end + 1;
    }
    if (start < buffer.length) take(buffer.subarray(start));
    if (batch.length > 0) yield batch;
  }
  if (held > 0 || dropped > 0) yield [finish()];
}

/**
 * Why a parsed line cannot be stored as it is, or undefined. PostgreSQL's text and jsonb hold no
 * U+0000, and jsonb refuses a lone surrogate (`"\ud800"`). Both can only reach a string through a
 * `\u` escape in the line, so lines without one are not walked.
 */
export function unstorableText(text: string, json: unknown): string | undefined {
  if (!/\\u(?:0000|[dD][89a-fA-F])/.test(text)) return undefined;
  let found: string | undefined;
  const visit = (value: unknown): void => {
    if (found) return;
    if (typeof value === "string") {
      if (value.includes("\u0000"))
        found = "holds a NUL character (U+0000), which Recur cannot store";
      else if (!value.isWellFormed())
        found = "holds a lone UTF-16 surrogate, which Recur cannot store";
    } else if (Array.isArray(value)) {
      for (const item of value) visit(item);
    } else if (value !== null && typeof value === "object") {
      for (const [key, item] of Object.entries(value)) {
        visit(key);
        visit(item);
      }
    }
  };
  visit(json);
  return found;
}

/** The range a travelling value must be in to be written to its column. */
export type ColumnLimit =
  { kind: "integer" } | { kind: "numeric"; precision: number; scale: number } | { kind: "none" };

/**
 * The column a travelling value ends in: Shopify ids are numeric(20, 0) (decision 018), amounts
 * numeric(20, 4), counts and quantities integer. tests/integration/bulk-line-limits.test.ts checks
 * these against the tables' real column types.
 */
export function columnLimit(column: Pick<Column<unknown>, "name" | "type">): ColumnLimit {
  if (column.type === "int") return { kind: "integer" };
  if (column.type !== "numeric") return { kind: "none" };
  if (column.name === "shopify_id" || column.name.endsWith("_shopify_id")) {
    return { kind: "numeric", precision: 20, scale: 0 };
  }
  return { kind: "numeric", precision: 20, scale: 4 };
}

const INT4_MIN = -(2 ** 31);
const INT4_MAX = 2 ** 31 - 1;
const DECIMAL = /^-?(\d+)(?:\.(\d+))?$/;

/** Checks the values of one staging row against their columns; returns why one cannot be written. */
export function valueChecker(
  columns: Pick<Column<unknown>, "name" | "type">[],
): (values: (string | number | boolean | null)[]) => string | undefined {
  const checks = columns.map((column) => {
    const limit = columnLimit(column);
    switch (limit.kind) {
      case "integer":
        return (value: unknown) =>
          value === null ||
          (typeof value === "number" &&
            Number.isSafeInteger(value) &&
            value >= INT4_MIN &&
            value <= INT4_MAX)
            ? undefined
            : `${column.name} is out of range (an integer from ${INT4_MIN} to ${INT4_MAX})`;
      case "numeric": {
        const digits = limit.precision - limit.scale;
        return (value: unknown) => {
          if (value === null) return undefined;
          const match = DECIMAL.exec(String(value));
          const whole = match?.[1]?.replace(/^0+(?=\d)/, "");
          return whole !== undefined && whole.length <= digits && (limit.scale > 0 || !match?.[2])
            ? undefined
            : `${column.name} is out of range (at most ${digits} digits before the decimal point)`;
        };
      }
      default:
        return () => undefined;
    }
  });
  return (values) => {
    for (let i = 0; i < checks.length; i++) {
      const reason = checks[i]!(values[i] ?? null);
      if (reason) return reason;
    }
    return undefined;
  };
}
