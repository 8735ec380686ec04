/**
 * Where a process's CPU went, from a V8 .cpuprofile (node --cpu-prof): self time by package (or
 * `app`, `node:` internals, `(garbage collector)`, `(idle)`) and the top functions by self time.
 * `node bench/lib/cpu-profile-summary.ts <file.cpuprofile> [top]`.
 */
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/**
 * `since`: only the samples from the first one with a frame (function name and URL) that contains
 * it (e.g. "serveWebhook": from the first webhook on, leaving out the process's start-up).
 */
export function summarize(file: string, top = 25, since?: string): string {
  const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parent.set(child, node.id);
  const self = new Map<number, number>();
  let started = since === undefined;
  profile.samples.forEach((id, i) => {
    for (let at: number | undefined = id; !started && at !== undefined; at = parent.get(at)) {
      const { callFrame } = byId.get(at)!;
      started = `${callFrame.functionName} ${callFrame.url}`.includes(since!);
    }
    if (started) self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  // Inclusive time of the app's own functions (each counted once per sample).
  const inclusive = new Map<string, number>();
  for (const [id, time] of self) {
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const { callFrame } = byId.get(at)!;
      if (!/\/app\/|\/server\.ts/.test(callFrame.url) || callFrame.url.includes("node_modules"))
        continue;
      const name = `${callFrame.functionName || "(anonymous)"} ${callFrame.url.replace(/^.*\/(app|wt-[^/]+)\//, "")}:${callFrame.lineNumber + 1}`;
      if (seen.has(name)) continue;
      seen.add(name);
      inclusive.set(name, (inclusive.get(name) ?? 0) + time);
    }
  }
  const area = (url: string, name: string) => {
    if (!url) return name.startsWith("(") ? name : "(native)";
    const modules = url.lastIndexOf("node_modules/");
    if (modules >= 0) {
      const rest = url.slice(modules + 13).split("/");
      return rest[0]!.startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0]!;
    }
    if (url.startsWith("node:")) return "node: internals";
    if (url.includes("/build/server/")) return "app (build)";
    return "app";
  };
  const byArea = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let total = 0;
  for (const [id, time] of self) {
    const { callFrame } = byId.get(id)!;
    total += time;
    const where = area(callFrame.url, callFrame.functionName);
    byArea.set(where, (byArea.get(where) ?? 0) + time);
    const name = `${callFrame.functionName || "(anonymous)"} ${callFrame.url.replace(/^.*node_modules\//, "")}:${callFrame.lineNumber + 1}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + time);
  }
  const rows = (map: Map<string, number>, n: number) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, time]) => `${((100 * time) / total).toFixed(1).padStart(5)} %  ${name}`)
      .join("\n");
  return `total ${(total / 1e6).toFixed(1)} s sampled${since ? ` (from the first sample in ${since})` : ""}\n\nby area (self time):\n${rows(byArea, 20)}\n\ntop functions (self time):\n${rows(byFunction, top)}\n\nthe app's functions, inclusive time:\n${rows(inclusive, 15)}`;
}

if (import.meta.main) {
  console.log(summarize(process.argv[2]!, Number(process.argv[3] ?? 25), process.argv[4]));
}
