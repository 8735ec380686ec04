import { upsertOrders } from "../../lib/store/guarded-upsert.server.ts";
import { orderPayload } from "../../lib/webhooks/payloads.ts";
import { defineDeliveryTask } from "./delivery-task.server.ts";

/** orders/create and orders/updated: the order and, when it is written, its line items. */
export const ordersUpsert = defineDeliveryTask("orders.upsert", {
  schema: orderPayload,
  shop: "installed",
  async process({ client, payload, shop, logFields }) {
    const { written } = await upsertOrders(client, shop.id, [payload]);
    logFields.written = written.length > 0;
    return { status: "processed" };
  },
});
