/**
 * The four topics that describe a customer each carry one part of it: customers/create|update the
 * profile, customers/purchasing_summary the order statistics, customer.tags_added|removed a change
 * of tags. The guarded upsert writes the part when it is newer than what is stored and leaves the
 * other parts alone.
 */
import type { z } from "zod";
import { upsertCustomers } from "../../lib/store/guarded-upsert.server.ts";
import type { CustomerRecord } from "../../lib/store/records.ts";
import {
  customerPayload,
  purchasingSummaryPayload,
  tagsChangedPayload,
} from "../../lib/webhooks/payloads.ts";
import type { DeliveryTaskName } from "../../lib/webhooks/topics.ts";
import { defineDeliveryTask } from "./delivery-task.server.ts";

function customerTask<T extends DeliveryTaskName>(name: T, schema: z.ZodType<CustomerRecord>) {
  return defineDeliveryTask(name, {
    schema,
    shop: "installed",
    async process({ client, payload, shop, logFields }) {
      const { written } = await upsertCustomers(client, shop.id, [payload]);
      logFields.written = written.length > 0;
      return { status: "processed" };
    },
  });
}

export const customersUpsert = customerTask("customers.upsert", customerPayload);
export const customersPurchasingSummary = customerTask(
  "customers.purchasing-summary",
  purchasingSummaryPayload,
);
export const customersTagsAdded = customerTask("customers.tags-added", tagsChangedPayload(true));
export const customersTagsRemoved = customerTask(
  "customers.tags-removed",
  tagsChangedPayload(false),
);
