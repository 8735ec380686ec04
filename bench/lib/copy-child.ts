/**
 * The baseline: PostgreSQL's own COPY of ready-made rows into Recur's tables, in a process of its own:
 *   node bench/lib/copy-child.ts <table>=<tsv file> ...   (DATABASE_URL set; tables in this order)
 * Prints one JSON line: { ms, rows }.
 *
 * Each table is analyzed after its COPY, inside the timing, as Recur's apply keeps the statistics
 * of the tables it grows (docs/decisions/062). Without it, the foreign-key checks that end
 * order_line_items' COPY are planned (once, for the whole statement) from whatever statistics
 * orders had: in a second round after a TRUNCATE they were seen (gdb) running a bitmap heap scan
 * of every order of the shop for each line item, and the COPY did not end in 30 minutes.
 */
import { createReadStream } from "node:fs";
import { pipeline } from "node:stream/promises";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";

const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
await client.connect();
let rows = 0;
const started = performance.now();
for (const argument of process.argv.slice(2)) {
  const [table, file] = argument.split("=") as [string, string];
  const stream = client.query(copyFrom(`COPY ${table} FROM STDIN`));
  await pipeline(createReadStream(file), stream);
  rows += Number(stream.rowCount);
  await client.query(`ANALYZE ${table.split(" ")[0]}`);
}
const ms = performance.now() - started;
await client.end();
console.log(JSON.stringify({ ms, rows }));
