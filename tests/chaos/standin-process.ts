/** The Shopify stand-in as its own process, its log lines in the run's log directory. */
import { createWriteStream } from "node:fs";
import path from "node:path";
import { PROJECT_ROOT } from "../../scripts/lib/embedded-postgres.ts";
import { startChild, type Child } from "../../scripts/lib/stack.ts";

export interface StandInProcess extends Child {
  url: string;
}

export async function startStandIn(args: string[], logFile: string): Promise<StandInProcess> {
  const log = createWriteStream(logFile, { flags: "a" });
  let resolveReady: (url: string) => void = () => {};
  const ready = new Promise<string>((resolve) => (resolveReady = resolve));
  const child = startChild({
    name: "shopify",
    args: [path.join(PROJECT_ROOT, "tests", "shopify-standin", "main.ts"), ...args],
    onLine: (line) => {
      if (line.startsWith("STANDIN_READY "))
        resolveReady((JSON.parse(line.slice(14)) as { url: string }).url);
      else log.write(`${line}\n`);
    },
  });
  void child.exited.then(() => log.end());
  const url = await Promise.race([
    ready,
    child.exited.then((code) => {
      throw new Error(`The Shopify stand-in exited (${code}) before it was ready; see ${logFile}`);
    }),
  ]);
  return { ...child, url };
}
