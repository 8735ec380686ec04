/**
 * The environment, parsed once at boot. A missing or malformed variable stops the process with a
 * message naming it. Code imports `env`, never `process.env`.
 *
 * Fail closed (docs/decisions/020): a process is in production unless NODE_ENV says otherwise, and
 * production has no defaults for what identifies the app. Development credentials exist only in
 * the commands that start development, demo and test processes (scripts/dev.ts, scripts/demo.ts,
 * tests/setup/database-per-file.ts). The Shopify stand-in is accepted only by a test process or
 * the demo (RECUR_DEMO), and only on a loopback address.
 */
import { z } from "zod";
import { issuePath } from "./lib/zod-issues.ts";

const csv = z.string().transform((value) =>
  value
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean),
);

/** 127.0.0.0/8, ::1 and localhost: a stand-in on this machine, never a host elsewhere. */
export function isLoopback(url: URL): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  return host === "localhost" || host === "::1" || /^127(\.\d{1,3}){3}$/.test(host);
}

function urlOf(value: string): URL | undefined {
  return URL.canParse(value) ? new URL(value) : undefined;
}

const schema = z
  .object({
    /** `production` unless told otherwise: `development` (dev, demo) or `test` (tests). */
    NODE_ENV: z.enum(["development", "test", "production"]).default("production"),
    /** Set by `npm run demo` only: the process is the demo, which may use the stand-in. */
    RECUR_DEMO: z.stringbool().default(false),
    SHOPIFY_API_KEY: z.string().min(1),
    SHOPIFY_API_SECRET: z.string().min(1),
    /** No default in production, where it must be https. */
    SHOPIFY_APP_URL: z.url().optional(),
    SCOPES: csv.default(["read_customers", "read_orders", "read_all_orders"]),
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, "must be a postgres:// connection string"),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    LOG_LEVEL: z
      .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"])
      .default("info"),
    /** Jobs one worker process runs at once. */
    WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(4),
    /** Runs of a webhook job before its delivery becomes a dead letter. */
    WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(25).default(10),
    /** The largest webhook body accepted (bytes); a larger one is answered 413. */
    WEBHOOK_MAX_BYTES: z.coerce
      .number()
      .int()
      .min(64 * 1024)
      .default(10 * 1024 * 1024),
    /**
     * Webhook bodies a web process holds at once (bytes, each body counted with its copies:
     * app/lib/webhooks/admission.server.ts); past it, new deliveries get 503 unread.
     */
    WEBHOOK_INTAKE_MAX_BYTES: z.coerce
      .number()
      .int()
      .min(1024 * 1024)
      .default(256 * 1024 * 1024),
    /** Deliveries a web process lets wait for their statement; past it, new ones get 503. */
    WEBHOOK_INTAKE_MAX_PENDING: z.coerce.number().int().min(1).default(2000),
    /** Deliveries a web process holds at once, from the route's start to the answer; past it, 503 unread. */
    WEBHOOK_INTAKE_MAX_DELIVERIES: z.coerce.number().int().min(1).default(1000),
    /** Connections the web server keeps open at once (node:http's maxConnections); past it, dropped. */
    WEB_MAX_CONNECTIONS: z.coerce.number().int().min(16).default(2000),
    /** A delivery not recorded this long after it arrived is answered 503 (Shopify allows 5 s). */
    WEBHOOK_LATENCY_BUDGET_MS: z.coerce.number().int().min(100).max(4500).default(3000),
    /** Every statement of the web process (admin pages, sessions, /healthz) ends within this. */
    WEB_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
    /** A sync run still `running` after this long is failed by the sweeper. */
    SYNC_STALE_AFTER_MINUTES: z.coerce
      .number()
      .int()
      .min(1)
      .default(24 * 60),
    /** A worker whose heartbeat is older than this is presumed dead and its jobs are unlocked. */
    WORKER_STALE_AFTER_SECONDS: z.coerce.number().int().min(2).default(45),
    /** When the reconciliation (incremental sync of every installed shop) runs; UTC crontab. */
    RECONCILE_CRON: z.string().default("0 3 * * *"),
    /** An incremental sync re-reads from this long before the last completed run started. */
    RECONCILE_MARGIN_MINUTES: z.coerce.number().int().min(0).default(60),
    /**
     * Days a settled webhook delivery keeps its payload's personal content; then only ids, topic,
     * status and times remain (dead letters keep theirs until retried). docs/decisions/037.
     */
    DELIVERY_RETENTION_DAYS: z.coerce.number().int().min(1).default(30),
    /** Bulk ingests running at once across all workers (each shop's one at a time). */
    SYNC_INGEST_CONCURRENCY: z.coerce.number().int().min(1).max(50).default(2),
    /** How often a running bulk operation is polled for progress (and in case its webhook is lost). */
    SYNC_POLL_SECONDS: z.coerce.number().min(0.1).default(3),
    /** Local Shopify stand-in: tests and the demo only, on a loopback address. */
    SHOPIFY_STANDIN_URL: z.url().optional(),
    /**
     * Read by shopify-app-remix itself (where App Bridge loads from), not by Recur; parsed here only
     * to refuse it in production.
     */
    APP_BRIDGE_URL: z.string().optional(),
  })
  .superRefine((value, ctx) => {
    const refuse = (path: string, message: string) =>
      ctx.addIssue({ code: "custom", path: [path], message });
    const production = value.NODE_ENV === "production";
    if (production) {
      const appUrl = value.SHOPIFY_APP_URL && urlOf(value.SHOPIFY_APP_URL);
      if (!value.SHOPIFY_APP_URL) refuse("SHOPIFY_APP_URL", "is required in production");
      else if (appUrl && appUrl.protocol !== "https:") {
        refuse("SHOPIFY_APP_URL", "must be an https:// URL in production");
      }
      if (value.APP_BRIDGE_URL !== undefined) {
        refuse(
          "APP_BRIDGE_URL",
          "is refused in production: App Bridge loads from Shopify's CDN (unset it)",
        );
      }
      if (value.RECUR_DEMO) refuse("RECUR_DEMO", "is refused in production");
    }
    const standIn = value.SHOPIFY_STANDIN_URL && urlOf(value.SHOPIFY_STANDIN_URL);
    if (value.SHOPIFY_STANDIN_URL) {
      if (value.NODE_ENV !== "test" && !(value.NODE_ENV === "development" && value.RECUR_DEMO)) {
        refuse(
          "SHOPIFY_STANDIN_URL",
          `the Shopify stand-in is for tests (NODE_ENV=test) and the demo (npm run demo); refused with NODE_ENV=${value.NODE_ENV}${value.RECUR_DEMO ? "" : " without RECUR_DEMO"}`,
        );
      } else if (standIn && !isLoopback(standIn)) {
        refuse(
          "SHOPIFY_STANDIN_URL",
          "must be a loopback address (127.0.0.1, ::1 or localhost): the stand-in receives access tokens and the client secret",
        );
      }
    }
  })
  .transform(({ APP_BRIDGE_URL: _, ...value }) => ({
    ...value,
    SHOPIFY_APP_URL: value.SHOPIFY_APP_URL ?? "http://localhost:3000",
  }));

export type Env = z.infer<typeof schema>;

const DEV_COMMANDS = "`npm run demo`, `npm run dev:web` and `npm test` set development values";
const HINTS: Record<string, string> = {
  SHOPIFY_API_KEY: ` (the app's client id; ${DEV_COMMANDS})`,
  SHOPIFY_API_SECRET: ` (the app's client secret; ${DEV_COMMANDS})`,
  DATABASE_URL:
    " (`npm run demo`, `npm run dev` and `npm test` start an embedded PostgreSQL and set it for you)",
};

export class EnvError extends Error {
  override name = "EnvError";
}

/** Parses an environment; throws an EnvError whose message names every bad variable. */
export function parseEnv(source: Record<string, string | undefined>): Env {
  const result = schema.safeParse(source);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const name = issuePath(issue, "environment");
    const missing = issue.code === "invalid_type" && issue.input === undefined;
    return `  ${name} ${missing ? `is not set${HINTS[name] ?? ""}` : issue.message}`;
  });
  throw new EnvError(`Invalid environment:\n${lines.join("\n")}`);
}

function load(): Env {
  try {
    const parsed = parseEnv(process.env);
    // Libraries read NODE_ENV themselves (React's production build, Express's error pages): an
    // unset NODE_ENV is production for them too.
    process.env.NODE_ENV = parsed.NODE_ENV;
    return parsed;
  } catch (error) {
    if (!(error instanceof EnvError)) throw error;
    console.error(error.message);
    process.exit(78); // EX_CONFIG
  }
}

export const env: Env = load();
