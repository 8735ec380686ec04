import { tombstone } from "../../lib/store/guarded-upsert.server.ts";
import { customerDeletePayload } from "../../lib/webhooks/payloads.ts";
import { defineDeliveryTask } from "./delivery-task.server.ts";

/**
 * customers/delete: a tombstone at the delivery's X-Shopify-Triggered-At (the time Shopify deleted
 * the customer), so that updates older than the deletion cannot bring the row back.
 */
export const customersDelete = defineDeliveryTask("customers.delete", {
  schema: customerDeletePayload,
  shop: "installed",
  async process({ client, delivery, payload, shop, logFields }) {
    const deletedAt = delivery.triggeredAt ?? delivery.receivedAt;
    logFields.written = await tombstone(client, "customers", shop.id, payload, deletedAt);
    return { status: "processed" };
  },
});
