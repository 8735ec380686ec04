import { enqueueCustomerRescoring, orderRfmChange } from "../../lib/rfm/jobs.server.ts";
import { upsertOrders } from "../../lib/db/guarded-upsert.server.ts";
import {
  OLDER_THAN_STORED,
  olderThanStored,
} from "../../lib/db/guarded-upsert/older-than-stored.server.ts";
import { orderPayload } from "../../lib/webhooks/payloads.ts";
import { defineDeliveryTask } from "./delivery-task.server.ts";

/**
 * orders/create and orders/updated: the order and, when it is written, its line items. A new
 * order, or a written one whose RFM fields changed (customer, eligibility, time, amount), rescores
 * its customer, and the customer it belonged to before if it moved; a change RFM does not read (a
 * fulfilment, a tag, a line item) queues nothing (docs/decisions/058). An order older than the
 * stored one is skipped.
 */
export const ordersUpsert = defineDeliveryTask("orders.upsert", {
  schema: orderPayload,
  shop: "installed",
  async process({ client, payload, shop, logFields }) {
    const change = await orderRfmChange(client, shop.id, payload);
    const { written } = await upsertOrders(client, shop.id, [payload]);
    logFields.written = written.length > 0;
    if (written.length > 0) {
      if (!change) {
        await enqueueCustomerRescoring(client, shop.id, [payload.customerShopifyId]);
      } else if (change.rfmChanged) {
        await enqueueCustomerRescoring(client, shop.id, [change.customer, change.customerAfter]);
      }
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
