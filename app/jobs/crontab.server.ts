/** Recurring jobs. graphile-worker's cron schedules each once across any number of workers. */
import { parseCronItems, type ParsedCronItem } from "graphile-worker";

export const cronItems: ParsedCronItem[] = parseCronItems([
  // Dead letters, stale sync runs and crashed workers' jobs: found within a minute.
  { task: "sweeper", match: "* * * * *", identifier: "sweeper", options: { backfillPeriod: 0 } },
]);
