import type { z } from "zod";
import { customersOfOrders, enqueueCustomerRescoring } from "../../lib/rfm/jobs.server.ts";
import { tombstone } from "../../lib/db/guarded-upsert.server.ts";
import {
  deletionOlderThanStored,
  OLDER_THAN_STORED,
} from "../../lib/db/guarded-upsert/older-than-stored.server.ts";
import type { DeliveryTaskName } from "../../lib/webhooks/topics.ts";
import { defineDeliveryTask } from "./delivery-task.server.ts";

/**
 * A delete topic: a tombstone at the delivery's X-Shopify-Triggered-At (the time Shopify deleted
 * the resource), so that updates older than the deletion cannot bring the row back. A deletion
 * rescores the customer (the order's, or the deleted customer, whose RFM row then leaves). A
 * deletion older than the stored version (or than a later deletion) is skipped.
 */
export function tombstoneTask<T extends DeliveryTaskName>(
  name: T,
  table: "customers" | "orders",
  schema: z.ZodType<string>,
) {
  return defineDeliveryTask(name, {
    schema,
    shop: "installed",
    async process({ client, delivery, payload, shop, logFields }) {
      const deletedAt = delivery.triggeredAt ?? delivery.receivedAt;
      const written = await tombstone(client, table, shop.id, payload, deletedAt);
      logFields.written = written;
      if (written) {
        const customers =
          table === "orders" ? await customersOfOrders(client, shop.id, [payload]) : [payload];
        await enqueueCustomerRescoring(client, shop.id, customers);
      } else if (await deletionOlderThanStored(client, table, shop.id, payload, deletedAt)) {
        return { status: "skipped", reason: OLDER_THAN_STORED };
      }
      return { status: "processed" };
    },
  });
}
