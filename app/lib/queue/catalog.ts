/**
 * The task catalog: every task Recur runs, with the zod schema of its job payload. Enqueueing is
 * typed from these schemas, and every payload is parsed again when its job runs (a job may have
 * been queued by an older release, or by hand).
 */
import { z } from "zod";

/** Jobs that process one webhook delivery carry only its id; the payload stays in the delivery row. */
const delivery = z.object({ deliveryId: z.string().min(1) });

export const taskCatalog = {
  // One task per kind of webhook (app/lib/webhooks/topics.ts maps topics to them).
  "customers.create": delivery,
  "customers.upsert": delivery,
  "customers.purchasing-summary": delivery,
  "customers.tags-added": delivery,
  "customers.tags-removed": delivery,
  "customers.delete": delivery,
  "orders.upsert": delivery,
  "orders.delete": delivery,
  "app.uninstalled": delivery,
  "compliance.customers-data-request": delivery,
  "compliance.customers-redact": delivery,
  "compliance.shop-redact": delivery,
  "bulk-operations.finish": delivery,
  // Syncs: start a bulk run, watch it, ingest its result.
  "sync.start": z.object({
    shopId: z.number().int().positive(),
    kind: z.enum(["full", "incremental"]),
    entity: z.enum(["customers", "orders"]),
  }),
  "sync.poll": z.object({ syncRunId: z.number().int().positive() }),
  "sync.ingest": z.object({ syncRunId: z.number().int().positive() }),
  // RFM (docs/rfm.md): a full scoring of a shop; one customer rescored after their orders changed.
  "rfm.score-shop": z.object({ shopId: z.number().int().positive() }),
  "rfm.rescore-customer": z.object({
    shopId: z.number().int().positive(),
    customerId: z.string().regex(/^\d+$/),
  }),
  // The shop's time zone and currency, read from Shopify after each authentication.
  "shop.settings": z.object({ shopId: z.number().int().positive() }),
  // Run by cron.
  sweeper: z.object({}).passthrough(),
  // Hourly: full RFM scorings of the shops whose midnight has passed (app/lib/rfm/nightly.server.ts).
  // graphile-worker's cron adds `_cron.ts`, the time the run was scheduled for.
  "rfm.nightly": z
    .object({
      _cron: z
        .object({ ts: z.iso.datetime({ offset: true }) })
        .passthrough()
        .optional(),
    })
    .passthrough(),
  reconcile: z.object({}).passthrough(),
  retention: z.object({}).passthrough(),
} as const;

export type TaskName = keyof typeof taskCatalog;
export type TaskPayload<T extends TaskName> = z.infer<(typeof taskCatalog)[T]>;

export const taskNames = Object.keys(taskCatalog) as TaskName[];

export function isTaskName(name: string): name is TaskName {
  return Object.hasOwn(taskCatalog, name);
}
