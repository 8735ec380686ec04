/**
 * The four topics that describe a customer each carry one part of it: customers/create|update the
 * profile, customers/purchasing_summary the order statistics, customer.tags_added|removed a change
 * of tags (docs/decisions/010). The guarded upsert writes the part when it is newer than what is
 * stored and leaves the other parts alone. A message whose every versioned part is older than the
 * stored one is skipped; tag changes merge whatever their age, so they are never skipped.
 */
import type { z } from "zod";
import { customersLiveForRfm, enqueueCustomerRescoring } from "../../lib/rfm/jobs.server.ts";
import type { DeliveryOutcome } from "../../lib/db/delivery-status.server.ts";
import { upsertCustomers } from "../../lib/db/guarded-upsert.server.ts";
import type { CustomerRecord } from "../../lib/db/records.ts";
import {
  OLDER_THAN_STORED,
  olderThanStored,
  type IncomingVersion,
} from "../../lib/db/guarded-upsert/older-than-stored.server.ts";
import type { DeliveryTaskName } from "../../lib/webhooks/topics.ts";
import { defineDeliveryTask } from "./delivery-task.server.ts";

export function customerPartTask<T extends DeliveryTaskName>(
  name: T,
  schema: z.ZodType<CustomerRecord>,
) {
  return defineDeliveryTask(name, {
    schema,
    shop: "installed",
    batch: {
      key: (customer) => customer.shopifyId,
      async processMany({ client, payloads, shop, logFields }) {
        // A profile can make a customer live for RFM (new, a placeholder filled, a deletion
        // undone); one who is live already keeps their RFM row whatever the profile says
        // (decision 058).
        const profiles = payloads.filter((customer) => customer.profile);
        const liveBefore = await customersLiveForRfm(
          client,
          shop.id,
          profiles.map((customer) => customer.shopifyId),
        );
        const { written } = await upsertCustomers(client, shop.id, payloads);
        logFields.written = Number(logFields.written ?? 0) + written.length;
        const writtenIds = new Set(written);
        await enqueueCustomerRescoring(
          client,
          shop.id,
          profiles
            .filter((customer) => writtenIds.has(customer.shopifyId))
            .filter((customer) => !liveBefore.has(customer.shopifyId))
            .map((customer) => customer.shopifyId),
        );
        const outcomes: DeliveryOutcome[] = [];
        for (const customer of payloads) {
          const stale =
            !writtenIds.has(customer.shopifyId) &&
            !customer.tags &&
            (await olderThanStored(
              client,
              "customers",
              shop.id,
              customer.shopifyId,
              versions(customer),
            ));
          outcomes.push(
            stale ? { status: "skipped", reason: OLDER_THAN_STORED } : { status: "processed" },
          );
        }
        return outcomes;
      },
    },
  });
}

/** The versions of the parts a customer message carries. */
function versions(record: CustomerRecord): IncomingVersion[] {
  return [
    ...(record.profile
      ? [{ column: "shopify_updated_at" as const, at: record.profile.shopifyUpdatedAt }]
      : []),
    ...(record.purchasing
      ? [{ column: "purchasing_summary_at" as const, at: record.purchasing.at }]
      : []),
  ];
}
