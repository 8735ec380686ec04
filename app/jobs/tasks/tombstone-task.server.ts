import type { z } from "zod";
import { tombstone } from "../../lib/store/guarded-upsert.server.ts";
import type { DeliveryTaskName } from "../../lib/webhooks/topics.ts";
import { defineDeliveryTask } from "./delivery-task.server.ts";

/**
 * A delete topic: a tombstone at the delivery's X-Shopify-Triggered-At (the time Shopify deleted
 * the resource), so that updates older than the deletion cannot bring the row back.
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
      logFields.written = await tombstone(client, table, shop.id, payload, deletedAt);
      return { status: "processed" };
    },
  });
}
