/**
 * Recur's real processes for the chaos run: N web processes (the built app with server.ts) and M
 * workers (worker.ts), each in a slot that keeps its port and log file across restarts. The fleet
 * acts as a supervisor would: a process that exits without being killed by the run is restarted,
 * and the exit is recorded (the run reports it as a failure).
 */
import { createWriteStream, type WriteStream } from "node:fs";
import type pg from "pg";
import { startChild, type Child } from "../../scripts/lib/stack.ts";
import { freePort } from "../../scripts/lib/ports.ts";

export type Role = "web" | "worker";

export interface UnexpectedExit {
  process: string;
  code: number | string | null;
  at: number;
  /** What the process printed last that was not a log line (an uncaught error and its stack). */
  lastWords: string;
}

interface Slot {
  role: Role;
  name: string;
  port?: number;
  child?: Child;
  /** Set while the run itself stops or kills the process. */
  expectingExit: boolean;
  log: WriteStream;
  starts: number;
  /** The last lines the current process printed that were not JSON log lines. */
  tail: string[];
}

export interface FleetOptions {
  web: number;
  workers: number;
  env: Record<string, string>;
  logDir: string;
  /** The run's own pool, to see workers' heartbeats. */
  db: pg.Pool;
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class Fleet {
  readonly unexpectedExits: UnexpectedExit[] = [];
  private readonly slots: Slot[] = [];
  private readonly options: FleetOptions;
  private stopping = false;

  private constructor(options: FleetOptions) {
    this.options = options;
  }

  static async create(options: FleetOptions): Promise<Fleet> {
    const fleet = new Fleet(options);
    for (let i = 1; i <= options.web; i++) {
      fleet.slots.push(fleet.slot("web", `web-${i}`, await freePort()));
    }
    for (let i = 1; i <= options.workers; i++) {
      fleet.slots.push(fleet.slot("worker", `worker-${i}`));
    }
    return fleet;
  }

  private slot(role: Role, name: string, port?: number): Slot {
    const log = createWriteStream(`${this.options.logDir}/${name}.log`, { flags: "a" });
    return { role, name, port, expectingExit: false, log, starts: 0, tail: [] };
  }

  get webs(): Slot[] {
    return this.slots.filter((slot) => slot.role === "web");
  }

  get workers(): Slot[] {
    return this.slots.filter((slot) => slot.role === "worker");
  }

  /** Every web process's URL, up or not: the proxy, like a load balancer, finds out by trying. */
  webUrls(): string[] {
    return this.webs.map((slot) => `http://127.0.0.1:${slot.port}`);
  }

  pidOf(name: string): number | undefined {
    return this.find(name).child?.process.pid;
  }

  private find(name: string): Slot {
    const slot = this.slots.find((s) => s.name === name);
    if (!slot) throw new Error(`no process ${name}`);
    return slot;
  }

  private launch(slot: Slot): Child {
    slot.starts += 1;
    slot.expectingExit = false;
    slot.log.write(`---- ${new Date().toISOString()} start #${slot.starts}\n`);
    slot.tail = [];
    const env = { ...this.options.env, ...(slot.port ? { PORT: String(slot.port) } : {}) };
    const child = startChild({
      name: slot.name,
      args: [slot.role === "web" ? "server.ts" : "worker.ts"],
      env,
      onLine: (line) => {
        slot.log.write(`${line}\n`);
        if (!line.startsWith("{") && line.trim()) {
          slot.tail.push(line.trim());
          if (slot.tail.length > 40) slot.tail.shift();
        }
      },
    });
    slot.child = child;
    void child.exited.then((code) => {
      slot.log.write(`---- ${new Date().toISOString()} exited (${code})\n`);
      if (slot.child !== child || slot.expectingExit || this.stopping) return;
      this.unexpectedExits.push({
        process: slot.name,
        code,
        at: Date.now(),
        lastWords: lastWords(slot.tail),
      });
      // A supervisor restarts what crashed.
      void delay(500).then(() => {
        if (!this.stopping && slot.child === child) this.launch(slot);
      });
    });
    return child;
  }

  async startAll(): Promise<void> {
    for (const slot of this.slots) this.launch(slot);
    await Promise.all(this.slots.map((slot) => this.ready(slot.name)));
  }

  /**
   * Resolves when the process answers: a web process's /healthz is 200, a worker has written its
   * first heartbeat. Returns when that was.
   */
  async ready(name: string, timeoutMs = 60_000): Promise<number> {
    const slot = this.find(name);
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (slot.role === "web") {
        try {
          const response = await fetch(`http://127.0.0.1:${slot.port}/healthz`);
          await response.arrayBuffer();
          if (response.ok) return Date.now();
        } catch {
          // not listening yet
        }
      } else {
        const pid = slot.child?.process.pid;
        const rows = await this.options.db
          .query(
            "SELECT 1 FROM worker_heartbeats WHERE pid = $1 AND last_seen_at > now() - interval '5 seconds'",
            [pid],
          )
          .then((result) => result.rows)
          .catch(() => []);
        if (rows.length > 0) return Date.now();
      }
      await delay(100);
    }
    throw new Error(`${name} was not ready within ${timeoutMs} ms`);
  }

  /** SIGKILL: no shutdown, no goodbye; jobs stay locked, requests in flight are cut. */
  async kill(name: string): Promise<{ pid: number | undefined; at: number }> {
    const slot = this.find(name);
    slot.expectingExit = true;
    const pid = slot.child?.process.pid;
    const at = Date.now();
    await slot.child?.stop("SIGKILL");
    return { pid, at };
  }

  /** Starts the slot's process again (after a kill); resolves when it is ready. */
  async restart(name: string): Promise<number> {
    const slot = this.find(name);
    this.launch(slot);
    return this.ready(name);
  }

  /** SIGTERM to every process (graceful), SIGKILL to any still there after `graceMs`. */
  async stopAll(graceMs = 15_000): Promise<void> {
    this.stopping = true;
    await Promise.all(
      this.slots.map(async (slot) => {
        const child = slot.child;
        if (!child) return;
        const timer = setTimeout(() => child.process.kill("SIGKILL"), graceMs);
        await child.stop("SIGTERM");
        clearTimeout(timer);
      }),
    );
    await Promise.all(
      this.slots.map((slot) => new Promise<void>((resolve) => slot.log.end(() => resolve()))),
    );
  }
}

/** An uncaught error's message and the innermost frames of its stack, from a process's last lines. */
function lastWords(lines: string[]): string {
  const error = lines.findIndex((line) => /^(\w*Error|error):/.test(line));
  if (error < 0) return lines.slice(-3).join(" | ");
  const frames = lines.slice(error + 1).filter((line) => line.startsWith("at "));
  return [lines[error], ...frames.slice(-2)].join(" ").replace(/\s*\{$/, "");
}
