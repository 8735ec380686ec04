import { customersOfOrders, enqueueCustomerRescoring } from "../../lib/rfm/jobs.server.ts";
import { upsertOrders } from "../../lib/store/guarded-upsert.server.ts";
import { orderPayload } from "../../lib/webhooks/payloads.ts";
import { defineDeliveryTask } from "./delivery-task.server.ts";

/**
 * orders/create and orders/updated: the order and, when it is written, its line items. A written
 * order rescores its customer, and the customer it belonged to before if it moved.
 */
export const ordersUpsert = defineDeliveryTask("orders.upsert", {
  schema: orderPayload,
  shop: "installed",
  async process({ client, payload, shop, logFields }) {
    const before = await customersOfOrders(client, shop.id, [payload.shopifyId]);
    const { written } = await upsertOrders(client, shop.id, [payload]);
    logFields.written = written.length > 0;
    if (written.length > 0) {
      await enqueueCustomerRescoring(client, shop.id, [...before, payload.customerShopifyId]);
    }
    return { status: "processed" };
  },
});
