/**
 * The environment, parsed once at boot. A missing or malformed variable stops the process with a
 * message naming it. Code imports `env`, never `process.env`.
 */
import { z } from "zod";

const DEV_API_KEY = "recur-dev-api-key";
const DEV_API_SECRET = "recur-dev-api-secret";

const csv = z.string().transform((value) =>
  value
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean),
);

const schema = z
  .object({
    NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
    SHOPIFY_API_KEY: z.string().min(1).optional(),
    SHOPIFY_API_SECRET: z.string().min(1).optional(),
    SHOPIFY_APP_URL: z.url().default("http://localhost:3000"),
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
    /** How often a running bulk operation is polled for progress (and in case its webhook is lost). */
    SYNC_POLL_SECONDS: z.coerce.number().min(0.1).default(3),
    /** Local Shopify stand-in (tests and demo only; refused in production). */
    SHOPIFY_STANDIN_URL: z.url().optional(),
  })
  .superRefine((value, ctx) => {
    if (value.NODE_ENV !== "production") return;
    for (const key of ["SHOPIFY_API_KEY", "SHOPIFY_API_SECRET"] as const) {
      if (!value[key]) {
        ctx.addIssue({ code: "custom", path: [key], message: "is required in production" });
      }
    }
    if (value.SHOPIFY_STANDIN_URL) {
      ctx.addIssue({
        code: "custom",
        path: ["SHOPIFY_STANDIN_URL"],
        message: "the Shopify stand-in is for tests and the demo; it cannot be used in production",
      });
    }
  })
  .transform((value) => ({
    ...value,
    SHOPIFY_API_KEY: value.SHOPIFY_API_KEY ?? DEV_API_KEY,
    SHOPIFY_API_SECRET: value.SHOPIFY_API_SECRET ?? DEV_API_SECRET,
  }));

export type Env = z.infer<typeof schema>;

const HINTS: Record<string, string> = {
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
    const name = issue.path.join(".") || "environment";
    const missing = issue.code === "invalid_type" && issue.input === undefined;
    return `  ${name} ${missing ? `is not set${HINTS[name] ?? ""}` : issue.message}`;
  });
  throw new EnvError(`Invalid environment:\n${lines.join("\n")}`);
}

function load(): Env {
  try {
    return parseEnv(process.env);
  } catch (error) {
    if (!(error instanceof EnvError)) throw error;
    console.error(error.message);
    process.exit(78); // EX_CONFIG
  }
}

export const env: Env = load();
