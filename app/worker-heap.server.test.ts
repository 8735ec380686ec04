// The worker's heap cap (docs/decisions/070), unit tier: what capWorkerHeap does for a given heap
// limit and Node options. tests/integration/worker-heap.test.ts starts the real worker.ts.
import { describe, expect, it } from "vitest";
import {
  heapCapAction,
  WORKER_HEAP_FLAGS,
  WORKER_HEAP_LIMIT_MB,
  WORKER_OLD_SPACE_MB,
  WORKER_SEMI_SPACE_MB,
} from "./worker-heap.server.ts";

describe("the worker's heap cap", () => {
  it("is an old space and three semi-spaces, given as Node options", () => {
    expect(WORKER_HEAP_FLAGS).toEqual([
      `--max-old-space-size=${WORKER_OLD_SPACE_MB}`,
      `--max-semi-space-size=${WORKER_SEMI_SPACE_MB}`,
    ]);
    expect(WORKER_HEAP_LIMIT_MB).toBe(WORKER_OLD_SPACE_MB + 3 * WORKER_SEMI_SPACE_MB);
  });

  it.each([
    ["a process under the cap runs", WORKER_HEAP_LIMIT_MB, [...WORKER_HEAP_FLAGS], "run"],
    ["a process capped tighter runs", 128, ["--max-old-space-size=96"], "run"],
    ["a process started without options is re-executed", 4288, [], "exec"],
    ["a larger heap option is re-executed", 4288, ["--max-old-space-size=4096"], "exec"],
    ["options kept by a watcher are re-executed", 4288, ["--watch-path=app"], "exec"],
    ["a process still uncapped under the flags fails", 4288, [...WORKER_HEAP_FLAGS], "fail"],
  ] as const)("%s", (_, limitMb, execArgv, action) => {
    expect(heapCapAction(limitMb, execArgv)).toBe(action);
  });
});
