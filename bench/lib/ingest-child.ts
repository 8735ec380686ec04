/**
 * One bulk ingest in a process of its own (so that its peak memory is its own):
 *   node bench/lib/ingest-child.ts <entity> <file> <shopId> <snapshotAt>
 * with DATABASE_URL set. Prints one JSON line: { ms, counts, maxRssMb, heapLimitMb, memory }.
 *
 * The process runs under the worker's own heap cap, set the way worker.ts sets it (it imports the
 * same module first, which re-executes it under WORKER_HEAP_FLAGS): the benchmark measures the
 * process configuration production runs (docs/decisions/070). `maxRssMb` is the process's VmHWM
 * after that re-execution; `memory` is the highest of each of process.memoryUsage()'s figures,
 * sampled every 100 ms (V8's heap in use and committed, and memory outside it).
 */
import "../../app/worker-heap-cap.server.ts";
import { createReadStream, readFileSync } from "node:fs";
import { Readable } from "node:stream";
import { pool } from "../../app/db.server.ts";
import { ingestBulkResult } from "../../app/lib/sync/ingest.server.ts";
import type { SyncEntity } from "../../app/lib/sync/bulk-queries.ts";
import { heapLimitMb } from "../../app/worker-heap.server.ts";

const [entity, file, shopId, snapshotAt] = process.argv.slice(2);
const MB = 2 ** 20;
const memory = { heapUsedMb: 0, heapTotalMb: 0, externalMb: 0, arrayBuffersMb: 0 };
const sample = () => {
  const m = process.memoryUsage();
  memory.heapUsedMb = Math.max(memory.heapUsedMb, m.heapUsed / MB);
  memory.heapTotalMb = Math.max(memory.heapTotalMb, m.heapTotal / MB);
  memory.externalMb = Math.max(memory.externalMb, m.external / MB);
  memory.arrayBuffersMb = Math.max(memory.arrayBuffersMb, m.arrayBuffers / MB);
};
const sampler = setInterval(sample, 100);
const client = await pool.connect();
const started = performance.now();
const counts = await ingestBulkResult(
  client,
  Readable.toWeb(createReadStream(file!)) as ReadableStream<Uint8Array>,
  { entity: entity as SyncEntity, shopId: Number(shopId), snapshotAt: snapshotAt! },
);
const ms = performance.now() - started;
clearInterval(sampler);
sample();
client.release();
await pool.end();
const vmHwmKb = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"))?.[1]);
console.log(
  JSON.stringify({ ms, counts, maxRssMb: vmHwmKb / 1024, heapLimitMb: heapLimitMb(), memory }),
);
