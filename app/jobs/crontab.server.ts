/** Recurring jobs. graphile-worker's cron schedules each once across any number of workers. */
import { parseCronItems, type ParsedCronItem } from "graphile-worker";
import { env } from "../env.server.ts";

export const cronItems: ParsedCronItem[] = parseCronItems([
  // Dead letters, stale sync runs and crashed workers' jobs: found within a minute.
  {
    task: "sweeper",
    match: "* * * * *",
    identifier: "sweeper",
    options: { backfillPeriod: 0, maxAttempts: 1 },
  },
  // Incremental syncs that repair what missed webhooks left behind.
  {
    task: "reconcile",
    match: env.RECONCILE_CRON,
    identifier: "reconcile",
    options: { backfillPeriod: 0, maxAttempts: 3 },
  },
  // Personal content of settled deliveries past DELIVERY_RETENTION_DAYS (docs/decisions/037).
  {
    task: "retention",
    match: "17 * * * *",
    identifier: "retention",
    options: { backfillPeriod: 0, maxAttempts: 3 },
  },
  // Nightly RFM scoring, on each shop's own midnight: every hour, the shops whose midnight passed.
  {
    task: "rfm.nightly",
    match: "0 * * * *",
    identifier: "rfm-nightly",
    options: { backfillPeriod: 0, maxAttempts: 3 },
  },
]);
