/** Small helpers for benchmarks that run Recur's processes. */
export { freePort } from "../../scripts/lib/ports.ts";
import { readdirSync, readFileSync } from "node:fs";

/** Peak resident memory of a running process (VmHWM), in MB. */
export function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

/** utime + stime (+ cutime + cstime with `children`) of a process, in ms, from /proc/<pid>/stat. */
function cpuMs(pid: number, children: boolean): number {
  // The fields after the command's closing parenthesis: state is field 3, utime field 14.
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  const ticks = fields.slice(11, children ? 15 : 13).reduce((sum, f) => sum + Number(f), 0);
  return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
}

/**
 * CPU time a PostgreSQL server on this machine has used so far, in ms: the postmaster's, its
 * ended children's (reaped into its cutime and cstime) and its running children's (backends,
 * WAL writer, checkpointer, autovacuum). `backendPid` is any backend's (pg_backend_pid()).
 * Differences between two readings are the server's work in between, whatever else runs on the
 * machine: a figure that moves less with the load than a rate does.
 */
export function postgresCpuMs(backendPid: number): number {
  const postmaster = Number(
    readFileSync(`/proc/${backendPid}/stat`, "utf8").split(") ")[1]!.split(" ")[1],
  );
  let total = cpuMs(postmaster, true);
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8").split(") ")[1]!.split(" ");
      if (Number(stat[1]) === postmaster) total += cpuMs(Number(entry), false);
    } catch {
      // The process ended while the list was read: its time is in the postmaster's cutime now.
    }
  }
  return total;
}
