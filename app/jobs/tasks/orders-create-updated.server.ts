import { customersOfOrders, enqueueCustomerRescoring } from "../../lib/rfm/jobs.server.ts";
import { upsertOrders } from "../../lib/db/guarded-upsert.server.ts";
import {
  OLDER_THAN_STORED,
  olderThanStored,
} from "../../lib/db/guarded-upsert/older-than-stored.server.ts";
import { orderPayload } from "../../lib/webhooks/payloads.ts";
import { defineDeliveryTask } from "./delivery-task.server.ts";

/**
 * orders/create and orders/updated: the order and, when it is written, its line items. A written
 * order rescores its customer, and the customer it belonged to before if it moved. An order older
 * than the stored one is skipped.
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
    } else if (
      await olderThanStored(client, "orders", shop.id, payload.shopifyId, [
        { column: "shopify_updated_at", at: payload.shopifyUpdatedAt },
      ])
    ) {
      return { status: "skipped", reason: OLDER_THAN_STORED };
    }
    return { status: "processed" };
  },
});
