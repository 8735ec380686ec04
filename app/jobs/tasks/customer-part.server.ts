/**
 * The four topics that describe a customer each carry one part of it: customers/create|update the
 * profile, customers/purchasing_summary the order statistics, customer.tags_added|removed a change
 * of tags (docs/decisions/010). The guarded upsert writes the part when it is newer than what is
 * stored and leaves the other parts alone.
 */
import type { z } from "zod";
import { enqueueCustomerRescoring } from "../../lib/rfm/jobs.server.ts";
import { upsertCustomers } from "../../lib/store/guarded-upsert.server.ts";
import type { CustomerRecord } from "../../lib/store/records.ts";
import type { DeliveryTaskName } from "../../lib/webhooks/topics.ts";
import { defineDeliveryTask } from "./delivery-task.server.ts";

export function customerPartTask<T extends DeliveryTaskName>(
  name: T,
  schema: z.ZodType<CustomerRecord>,
) {
  return defineDeliveryTask(name, {
    schema,
    shop: "installed",
    async process({ client, payload, shop, logFields }) {
      const { written } = await upsertCustomers(client, shop.id, [payload]);
      logFields.written = written.length > 0;
      // A new or changed profile can make a customer live (or scored) for RFM.
      if (written.length > 0 && payload.profile) {
        await enqueueCustomerRescoring(client, shop.id, [payload.shopifyId]);
      }
      return { status: "processed" };
    },
  });
}
