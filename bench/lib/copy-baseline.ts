/**
 * The baseline of the bulk benchmarks: PostgreSQL's own COPY of the rows Recur stores from a bulk
 * result, ready-made as COPY text (made before the clock starts), into tables shaped like Recur's
 * (their indexes included), in a process of its own (bench/lib/copy-child.ts).
 */
import { spawn } from "node:child_process";
import { createReadStream, createWriteStream } from "node:fs";
import { rm } from "node:fs/promises";
import path from "node:path";
import { createInterface } from "node:readline";
import { Readable } from "node:stream";
import pg from "pg";
import {
  CUSTOMER_TRAVELLING,
  LINE_ITEM_TRAVELLING,
  ORDER_TRAVELLING,
  type Column,
} from "../../app/lib/db/guarded-upsert.server.ts";
import { customerLine, lineItemLine, orderLine } from "../../app/lib/sync/bulk-records.ts";
import { PROJECT_ROOT } from "../../scripts/lib/embedded-postgres.ts";
import { productionEnv } from "./app-env.ts";

type Table = "customers" | "orders" | "order_line_items";

export const COLUMNS: Record<Table, string> = {
  customers: `(shop_id, ${CUSTOMER_TRAVELLING.map((c) => c.name).join(", ")}, tags)`,
  orders: `(shop_id, ${ORDER_TRAVELLING.map((c) => c.name).join(", ")})`,
  order_line_items: `(shop_id, ${LINE_ITEM_TRAVELLING.map((c) => c.name).join(", ")})`,
};

/** The lines of a file. */
export function fileLines(file: string): AsyncIterable<string> {
  return createInterface({ input: createReadStream(file), crlfDelay: Infinity });
}

/** The lines of a URL's body (a result file served by the stand-in). */
export async function urlLines(url: string): Promise<AsyncIterable<string>> {
  const response = await fetch(url);
  if (!response.ok || !response.body) throw new Error(`GET result file: HTTP ${response.status}`);
  return createInterface({ input: Readable.fromWeb(response.body as never), crlfDelay: Infinity });
}

/**
 * The rows Recur would store, as COPY text: `${prefix}${table}.tsv` for each table the lines
 * fill. Returns the files written.
 */
export async function toTsv(
  lines: AsyncIterable<string>,
  prefix: string,
  snapshotAt: string,
  shopId: number,
): Promise<Partial<Record<Table, string>>> {
  const outputs = new Map<Table, ReturnType<typeof createWriteStream>>();
  const files: Partial<Record<Table, string>> = {};
  const out = (table: Table) => {
    if (!outputs.has(table)) {
      files[table] = `${prefix}${table}.tsv`;
      outputs.set(table, createWriteStream(files[table]));
    }
    return outputs.get(table)!;
  };
  const value = (v: string | number | boolean | null | undefined) =>
    v === null || v === undefined
      ? "\\N"
      : typeof v === "string"
        ? v.replace(
            /[\\\n\r\t]/g,
            (c) => ({ "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t" })[c]!,
          )
        : String(v);
  const row = <R>(columns: Column<R>[], record: R, extra: (string | number | boolean | null)[]) =>
    [shopId, ...columns.map((c) => c.value(record)), ...extra].map(value).join("\t") + "\n";
  const write = async (table: Table, text: string) => {
    const stream = out(table);
    if (!stream.write(text))
      await new Promise<void>((resolve) => stream.once("drain", () => resolve()));
  };
  const customers = customerLine(snapshotAt);
  for await (const line of lines) {
    if (!line) continue;
    const json = JSON.parse(line) as { id: string };
    if (json.id.includes("/Customer/")) {
      const record = customers.parse(json);
      // shop_id, travelling columns (tags arrive as the clock), the derived tags.
      await write(
        "customers",
        row(CUSTOMER_TRAVELLING, record, [
          `{${Object.keys(record.tags!.tags)
            .map((t) => JSON.stringify(t))
            .join(",")}}`,
        ]),
      );
    } else if (json.id.includes("/Order/")) {
      const record = orderLine.parse(json);
      const orderRow = [
        shopId,
        ...ORDER_TRAVELLING.map((c) =>
          c.name === "tags"
            ? `{${record.tags.map((t) => JSON.stringify(t)).join(",")}}`
            : c.value(record as never),
        ),
      ];
      await write("orders", orderRow.map(value).join("\t") + "\n");
    } else {
      await write("order_line_items", row(LINE_ITEM_TRAVELLING, lineItemLine.parse(json), []));
    }
  }
  await Promise.all(
    [...outputs.values()].map((stream) => new Promise((resolve) => stream.end(resolve))),
  );
  return files;
}

/** Runs one of the benchmark children with DATABASE_URL set; resolves its last JSON line. */
export function runChild(
  script: string,
  args: string[],
  databaseUrl: string,
): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(PROJECT_ROOT, script), ...args], {
      env: { ...process.env, ...productionEnv, DATABASE_URL: databaseUrl, LOG_LEVEL: "warn" },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (chunk) => (out += chunk));
    child.on("exit", (code) =>
      code === 0
        ? resolve(JSON.parse(out.trim().split("\n").pop()!))
        : reject(new Error(`${script} exited ${code}`)),
    );
  });
}

/**
 * COPYs the TSV files into empty tables made `LIKE` Recur's (columns, defaults, indexes), in a
 * child process, and drops those tables and the files afterwards. Returns the COPY's time and rows.
 */
export async function copyIntoLikeTables(
  databaseUrl: string,
  files: Partial<Record<Table, string>>[],
): Promise<{ ms: number; rows: number }> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  const tables = ["customers", "orders", "order_line_items"] as const;
  try {
    for (const table of tables) {
      await db.query(`DROP TABLE IF EXISTS bench_copy_${table}`);
      await db.query(`CREATE TABLE bench_copy_${table} (LIKE ${table} INCLUDING ALL)`);
    }
    const args = files.flatMap((set) =>
      tables
        .filter((table) => set[table])
        .map((table) => `bench_copy_${table} ${COLUMNS[table]}=${set[table]}`),
    );
    const copy = await runChild("bench/lib/copy-child.ts", args, databaseUrl);
    return { ms: copy.ms as number, rows: copy.rows as number };
  } finally {
    for (const table of tables) await db.query(`DROP TABLE IF EXISTS bench_copy_${table}`);
    await db.end();
    for (const set of files) for (const file of Object.values(set)) await rm(file, { force: true });
  }
}
