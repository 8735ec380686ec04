/**
 * The worker runs under its heap cap however it is started (docs/decisions/070): worker.ts
 * started with no heap option, or with a larger one, replaces itself (same pid) with a process
 * started with WORKER_HEAP_FLAGS, and V8's heap limit in that process is the cap's.
 */
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { WORKER_HEAP_FLAGS, WORKER_HEAP_LIMIT_MB } from "../../app/worker-heap.server.ts";
import { startRecurProcess, waitFor, type RecurProcess } from "../support/processes.ts";

const started: RecurProcess[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((worker) => worker.stop()));
});

/** The worker's "worker started" log line, once it is up. */
async function workerStarted(worker: RecurProcess): Promise<{ heapLimitMb: number }> {
  return waitFor(
    "the worker to start",
    async () => {
      if (worker.child.exitCode !== null) throw new Error(`The worker exited: ${worker.output()}`);
      const line = worker
        .output()
        .split("\n")
        .find((text) => text.includes('"worker started"'));
      return line ? (JSON.parse(line) as { heapLimitMb: number }) : undefined;
    },
    { timeoutMs: 50_000 },
  );
}

describe("the worker's heap", () => {
  it.each([
    ["with no heap option", ""],
    ["with a larger heap option", "--max-old-space-size=4096"],
  ])("started %s, it runs under the cap, in the process that was started", async (_, options) => {
    const worker = startRecurProcess("worker.ts", { NODE_OPTIONS: options, LOG_LEVEL: "info" });
    started.push(worker);
    const line = await workerStarted(worker).catch((error: unknown) => {
      throw new Error(`${String(error)}; its output: ${worker.output()}`);
    });
    expect(line.heapLimitMb).toBe(WORKER_HEAP_LIMIT_MB);
    // The same pid: a supervisor's signals and a benchmark's VmHWM reach the capped process.
    const argv = readFileSync(`/proc/${worker.child.pid}/cmdline`, "utf8").split("\0");
    argv.pop(); // The last argument ends in a NUL too.
    expect(argv.slice(-1 - WORKER_HEAP_FLAGS.length, -1)).toEqual(WORKER_HEAP_FLAGS);
    expect(argv.at(-1)).toMatch(/worker\.ts$/);
  });
});
