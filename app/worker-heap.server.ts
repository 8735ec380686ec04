/**
 * The worker's heap, bounded where the worker starts (docs/decisions/070). Without a cap, V8 sizes
 * its heap from the machine's memory (about 4 GB here) and lets the young generation grow to 64 MB
 * semi-spaces and the old generation fill with garbage before it collects: the same bulk ingest
 * peaked at 149 MB in one run and 274 MB in the next, with under 100 MB of it live. Under the cap
 * the heap can never exceed `WORKER_HEAP_LIMIT_MB`, whatever the collector would prefer.
 *
 * worker.ts imports ./worker-heap-cap.server.ts first, which calls `capWorkerHeap()`: a process
 * started without these flags (`node worker.ts`, `npm run worker`, a supervisor's own command)
 * replaces itself, same pid, with one started with them. No variable has to be remembered.
 */
import v8 from "node:v8";

/** Old generation 256 MB; young generation three 16 MB semi-spaces (V8's own unit). */
export const WORKER_OLD_SPACE_MB = 256;
export const WORKER_SEMI_SPACE_MB = 16;

/** The Node options the worker runs under. */
export const WORKER_HEAP_FLAGS: readonly string[] = [
  `--max-old-space-size=${WORKER_OLD_SPACE_MB}`,
  `--max-semi-space-size=${WORKER_SEMI_SPACE_MB}`,
];

/** The largest heap V8 may hold under those flags (old space plus three semi-spaces). */
export const WORKER_HEAP_LIMIT_MB = WORKER_OLD_SPACE_MB + 3 * WORKER_SEMI_SPACE_MB;

/** This process's heap limit, in MB (V8's `heap_size_limit`). */
export function heapLimitMb(): number {
  return v8.getHeapStatistics().heap_size_limit / 2 ** 20;
}

/**
 * What `capWorkerHeap` does with a process whose heap limit is `limitMb` and whose Node options are
 * `execArgv`: nothing (already capped, or capped tighter), re-execute with the flags, or fail (the
 * flags were given and the limit is still larger: something overrides them).
 */
export function heapCapAction(
  limitMb: number,
  execArgv: readonly string[],
): "run" | "exec" | "fail" {
  if (limitMb <= WORKER_HEAP_LIMIT_MB) return "run";
  return WORKER_HEAP_FLAGS.every((flag) => execArgv.includes(flag)) ? "fail" : "exec";
}

/**
 * Makes this process run under the worker's heap cap: returns when it does; otherwise replaces
 * the process (process.execve: same pid, same stdio and environment) with the same command under
 * `WORKER_HEAP_FLAGS`, appended last so that they win over any earlier heap option.
 */
export function capWorkerHeap(): void {
  const action = heapCapAction(heapLimitMb(), process.execArgv);
  if (action === "run") return;
  if (action === "fail") {
    throw new Error(
      `The worker runs under a heap of at most ${WORKER_HEAP_LIMIT_MB} MB, but started with ` +
        `${WORKER_HEAP_FLAGS.join(" ")} its limit is ${Math.round(heapLimitMb())} MB`,
    );
  }
  // Node 24 on POSIX systems (decision 002); typed optional because Windows has none.
  if (!process.execve) throw new Error("The worker needs process.execve to cap its heap");
  process.execve(process.execPath, [
    process.execPath,
    ...process.execArgv,
    ...WORKER_HEAP_FLAGS,
    ...process.argv.slice(1),
  ]);
}
