/**
 * Loaded into a benchmark's child with `--import ./bench/lib/memory-probe.ts`: writes the
 * process's memory, by kind, and its open handles to MEMORY_PROBE_FILE (one JSON line every
 * MEMORY_PROBE_MS, default 500), so that a benchmark can say where the memory of a process it
 * does not own went. Benchmarks only; the app never loads it.
 */
import { appendFileSync } from "node:fs";
import { getHeapStatistics } from "node:v8";

const file = process.env.MEMORY_PROBE_FILE;
if (file) {
  const every = Number(process.env.MEMORY_PROBE_MS ?? 500);
  const timer = setInterval(() => {
    const usage = process.memoryUsage();
    const heap = getHeapStatistics();
    const resources = process.getActiveResourcesInfo();
    const sockets = resources.filter((name) => name === "TCPSocketWrap").length;
    appendFileSync(
      file,
      `${JSON.stringify({
        at: Date.now(),
        rss: usage.rss,
        heapUsed: usage.heapUsed,
        heapTotal: usage.heapTotal,
        external: usage.external,
        arrayBuffers: usage.arrayBuffers,
        mallocedMemory: heap.malloced_memory,
        sockets,
        timers: resources.filter((name) => name === "Timeout").length,
      })}\n`,
    );
  }, every);
  timer.unref();
}
