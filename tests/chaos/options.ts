/** The chaos run's command line: a size, a seed, and overrides of the size's figures. */
import { parseArgs } from "node:util";

export interface ChaosOptions {
  size: "small" | "full";
  seed: number;
  /** Web processes behind the round-robin proxy, and worker processes. */
  web: number;
  workers: number;
  /** Per shop, seeded before the install (the full sync reads them). */
  customers: number;
  orders: number;
  /** Changes in the stream, across both shops. */
  changes: number;
  /** Changes per burst; the stream is a sequence of bursts. */
  chunk: number;
  /** Deliveries the stand-in may have outstanding before the next burst waits. */
  window: number;
  /** The stand-in's time scale: Shopify's 4 hours of retries become 4 h × this. */
  timeScale: number;
  /** WEBHOOK_MAX_ATTEMPTS for Recur's processes. */
  maxAttempts: number;
  /** WORKER_STALE_AFTER_SECONDS for Recur's processes. */
  staleAfterSeconds: number;
  /** Fault rates (0…1). */
  duplicateRate: number;
  duplicateEventRate: number;
  reorderRate: number;
  reorderDelayMs: number;
  dropRate: number;
  poisonRate: number;
  /** Give up (and fail) when the run has not converged after this many seconds past the stream. */
  convergeTimeoutSeconds: number;
  /** Keep the run's directory (logs, and the embedded PostgreSQL's data) afterwards. */
  keep: boolean;
}

const SIZES = {
  small: {
    web: 2,
    workers: 2,
    customers: 300,
    orders: 900,
    changes: 2_000,
    chunk: 100,
    window: 1_500,
    convergeTimeoutSeconds: 180,
  },
  full: {
    web: 2,
    workers: 3,
    customers: 2_000,
    orders: 6_000,
    changes: 10_000,
    chunk: 200,
    window: 3_000,
    convergeTimeoutSeconds: 600,
  },
} as const;

const HELP = `Usage: npm run test:chaos -- [options]

  --size small|full        small: CI's run (about two minutes); full (default): 10,000 changes,
                           2 web processes and 3 workers
  --seed <n>               reruns a run: the same shops, stream, faults, poison and kill schedule
                           (default: a random seed, printed)
  --web <n>                web processes behind the round-robin proxy
  --workers <n>            worker processes
  --changes <n>            changes in the stream, across both shops
  --customers <n>          customers per shop before the stream
  --orders <n>             orders per shop before the stream
  --time-scale <x>         the stand-in's retry time scale (default 0.002: 4 hours -> 28.8 s)
  --max-attempts <n>       WEBHOOK_MAX_ATTEMPTS for Recur (default 3)
  --keep                   keep .data/chaos-<pid>/ (logs and database) afterwards
  --help

Environment: DATABASE_URL runs on that server (a scratch database is made and dropped; its
"restart" then cuts every connection instead, the server not being ours to restart).
`;

function number(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number`);
  return n;
}

export function parseOptions(argv: string[]): ChaosOptions | "help" {
  const { values } = parseArgs({
    args: argv,
    options: {
      size: { type: "string" },
      seed: { type: "string" },
      web: { type: "string" },
      workers: { type: "string" },
      changes: { type: "string" },
      customers: { type: "string" },
      orders: { type: "string" },
      "time-scale": { type: "string" },
      "max-attempts": { type: "string" },
      keep: { type: "boolean" },
      help: { type: "boolean" },
    },
  });
  if (values.help) return "help";
  const size = values.size ?? "full";
  if (size !== "small" && size !== "full") throw new Error("--size must be small or full");
  const base = SIZES[size];
  const options: ChaosOptions = {
    size,
    seed: number(values.seed, "--seed", Math.floor(Math.random() * 2 ** 31)),
    web: number(values.web, "--web", base.web),
    workers: number(values.workers, "--workers", base.workers),
    customers: number(values.customers, "--customers", base.customers),
    orders: number(values.orders, "--orders", base.orders),
    changes: number(values.changes, "--changes", base.changes),
    chunk: base.chunk,
    window: base.window,
    timeScale: number(values["time-scale"], "--time-scale", 0.002),
    maxAttempts: number(values["max-attempts"], "--max-attempts", 3),
    staleAfterSeconds: 6,
    duplicateRate: 0.1,
    duplicateEventRate: 0.1,
    reorderRate: 0.3,
    reorderDelayMs: 400,
    dropRate: 0.01,
    poisonRate: 0.02,
    convergeTimeoutSeconds: base.convergeTimeoutSeconds,
    keep: values.keep ?? false,
  };
  if (options.web < 1 || options.workers < 1)
    throw new Error("--web and --workers must be at least 1");
  if (options.workers < 2) {
    // A killed worker's jobs wait for a sweeper, which only a live worker runs.
    process.stderr.write("note: with one worker, nothing runs while it is down\n");
  }
  return options;
}

export { HELP };
