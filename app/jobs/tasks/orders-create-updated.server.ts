import { enqueueCustomerRescoring, orderRfmChanges } from "../../lib/rfm/jobs.server.ts";
import { upsertOrders } from "../../lib/db/guarded-upsert.server.ts";
import type { DeliveryOutcome } from "../../lib/db/delivery-status.server.ts";
import {
  OLDER_THAN_STORED,
  olderThanStored,
} from "../../lib/db/guarded-upsert/older-than-stored.server.ts";
import { orderPayload } from "../../lib/webhooks/payloads.ts";
import { defineDeliveryTask } from "./delivery-task.server.ts";

/**
 * orders/create and orders/updated: the orders and, for each one written, its line items, for a
 * batch of deliveries of distinct orders. A new order, or a written one whose RFM fields changed
 * (customer, eligibility, time, amount), rescores its customer, and the customer it belonged to
 * before if it moved; a change RFM does not read (a fulfilment, a tag, a line item) queues nothing
 * (docs/decisions/058). An order older than the stored one is skipped.
 */
export const ordersUpsert = defineDeliveryTask("orders.upsert", {
  schema: orderPayload,
  shop: "installed",
  batch: {
    key: (order) => order.shopifyId,
    async processMany({ client, payloads, shop, logFields }) {
      const changes = await orderRfmChanges(client, shop.id, payloads);
      const { written } = await upsertOrders(client, shop.id, payloads);
      logFields.written = Number(logFields.written ?? 0) + written.length;
      const writtenIds = new Set(written);
      const rescore: (string | null)[] = [];
      const outcomes: DeliveryOutcome[] = [];
      for (const order of payloads) {
        if (writtenIds.has(order.shopifyId)) {
          const change = changes.get(order.shopifyId);
          if (!change) rescore.push(order.customerShopifyId ?? null);
          else if (change.rfmChanged) rescore.push(change.customer, change.customerAfter);
          outcomes.push({ status: "processed" });
        } else if (
          await olderThanStored(client, "orders", shop.id, order.shopifyId, [
            { column: "shopify_updated_at", at: order.shopifyUpdatedAt },
          ])
        ) {
          outcomes.push({ status: "skipped", reason: OLDER_THAN_STORED });
        } else {
          outcomes.push({ status: "processed" });
        }
      }
      await enqueueCustomerRescoring(client, shop.id, rescore);
      return outcomes;
    },
  },
});
