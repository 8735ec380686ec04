import { tombstone } from "../../lib/store/guarded-upsert.server.ts";
import { orderDeletePayload } from "../../lib/webhooks/payloads.ts";
import { defineDeliveryTask } from "./delivery-task.server.ts";

/**
 * orders/delete: a tombstone at the delivery's X-Shopify-Triggered-At (its line items go), so that
 * updates older than the deletion cannot bring the order back.
 */
export const ordersDelete = defineDeliveryTask("orders.delete", {
  schema: orderDeletePayload,
  shop: "installed",
  async process({ client, delivery, payload, shop, logFields }) {
    const deletedAt = delivery.triggeredAt ?? delivery.receivedAt;
    logFields.written = await tombstone(client, "orders", shop.id, payload, deletedAt);
    return { status: "processed" };
  },
});
