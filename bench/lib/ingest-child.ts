/**
 * One bulk ingest in a process of its own (so that its peak memory is its own):
 *   node bench/lib/ingest-child.ts <entity> <file> <shopId> <snapshotAt>
 * with DATABASE_URL set. Prints one JSON line: { ms, counts, maxRssMb }.
 */
import { createReadStream } from "node:fs";
import { Readable } from "node:stream";
import { pool } from "../../app/db.server.ts";
import { ingestBulkResult } from "../../app/lib/sync/ingest.server.ts";
import type { SyncEntity } from "../../app/lib/sync/bulk-queries.ts";

const [entity, file, shopId, snapshotAt] = process.argv.slice(2);
const client = await pool.connect();
const started = performance.now();
const counts = await ingestBulkResult(
  client,
  Readable.toWeb(createReadStream(file!)) as ReadableStream<Uint8Array>,
  { entity: entity as SyncEntity, shopId: Number(shopId), snapshotAt: snapshotAt! },
);
const ms = performance.now() - started;
client.release();
await pool.end();
console.log(JSON.stringify({ ms, counts, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
