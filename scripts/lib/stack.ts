/**
 * Recur's processes, started the way production runs them (the built app with server.ts, and
 * worker.ts), plus the Shopify stand-in as its own process: for the demo, the browser test and the
 * chaos run. Each child's output is prefixed with its name.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { mkdir, readdir, rm, stat } from "node:fs/promises";
import path from "node:path";
import { createInterface } from "node:readline";
import { PROJECT_ROOT } from "./embedded-postgres.ts";

export interface Child {
  name: string;
  process: ChildProcess;
  /** Resolves with the exit code (or signal) when the process ends. */
  exited: Promise<number | string | null>;
  /** SIGTERM (or the given signal), then waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<number | string | null>;
}

export interface ChildOptions {
  name: string;
  args: string[];
  env?: Record<string, string | undefined>;
  /** Where each output line goes; the default prefixes it with the name on this process's stdout. */
  onLine?: (line: string) => void;
}

export function startChild(options: ChildOptions): Child {
  const child = spawn(process.execPath, options.args, {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const onLine =
    options.onLine ?? ((line: string) => process.stdout.write(`[${options.name}] ${line}\n`));
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on("line", onLine);
  }
  const exited = new Promise<number | string | null>((resolve) =>
    child.on("exit", (code, signal) => resolve(code ?? signal)),
  );
  return {
    name: options.name,
    process: child,
    exited,
    async stop(signal: NodeJS.Signals = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Polls a URL until it answers 2xx, or fails after `timeoutMs`. */
export async function waitForHttp(url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url);
      if (response.ok) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms (${last})`);
}

async function newestSource(dir: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile())
      newest = Math.max(newest, statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

const BUILD_LOCK = path.join(PROJECT_ROOT, "node_modules", ".cache", "recur-build.lock");

/** One build at a time on this checkout (two test files, or a test and the demo, may both ask). */
async function withBuildLock<T>(work: () => Promise<T>): Promise<T> {
  await mkdir(path.dirname(BUILD_LOCK), { recursive: true });
  for (;;) {
    try {
      await mkdir(BUILD_LOCK);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      // A lock older than any build is left by a process that died holding it.
      const age =
        Date.now() - (await stat(BUILD_LOCK).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs;
      if (age > 10 * 60_000) await rm(BUILD_LOCK, { recursive: true, force: true });
      else await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  try {
    return await work();
  } finally {
    await rm(BUILD_LOCK, { recursive: true, force: true });
  }
}

/** Builds the app (remix vite:build) unless build/ is newer than every file under app/. */
export async function buildIfStale(): Promise<void> {
  await withBuildLock(async () => {
    const built = path.join(PROJECT_ROOT, "build", "server", "index.js");
    if (
      existsSync(built) &&
      statSync(built).mtimeMs > (await newestSource(path.join(PROJECT_ROOT, "app")))
    ) {
      return;
    }
    const remix = path.join(PROJECT_ROOT, "node_modules", "@remix-run", "dev", "dist", "cli.js");
    const build = startChild({ name: "build", args: [remix, "vite:build"], onLine: () => {} });
    const code = await build.exited;
    if (code !== 0)
      throw new Error(`remix vite:build failed (exit ${code}); run \`npm run build\` to see why`);
  });
}

export interface StandInProcess extends Child {
  url: string;
  /** The URL a browser opens it at (one site with the app): see tests/shopify-standin/main.ts. */
  browserUrl: string;
}

/** Starts tests/shopify-standin/main.ts and waits for its STANDIN_READY line. */
export async function startStandInProcess(
  args: string[],
  env: Record<string, string> = {},
): Promise<StandInProcess> {
  type Ready = { url: string; browserUrl: string };
  let resolveReady: (ready: Ready) => void;
  const ready = new Promise<Ready>((resolve) => (resolveReady = resolve));
  const child = startChild({
    name: "shopify",
    args: [path.join(PROJECT_ROOT, "tests", "shopify-standin", "main.ts"), ...args],
    env,
    onLine: (line) => {
      if (line.startsWith("STANDIN_READY ")) resolveReady(JSON.parse(line.slice(14)) as Ready);
      else process.stdout.write(`[shopify] ${line}\n`);
    },
  });
  const { url, browserUrl } = await Promise.race([
    ready,
    child.exited.then((code) => {
      throw new Error(`The Shopify stand-in exited (${code}) before it was ready`);
    }),
  ]);
  return { ...child, url, browserUrl };
}
