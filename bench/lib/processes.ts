/** Small helpers for benchmarks that run Recur's processes. */
export { freePort } from "../../scripts/lib/ports.ts";
import { readFileSync } from "node:fs";

/** Peak resident memory of a running process (VmHWM), in MB. */
export function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}
