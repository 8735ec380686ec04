import { recordDataRequest } from "../../lib/db/personal-data.server.ts";
import { customersDataRequestPayload } from "../../lib/webhooks/payloads.ts";
import { noData, otherShop } from "./compliance-rules.server.ts";
import { defineDeliveryTask } from "./delivery-task.server.ts";

/** customers/data_request: records the request with an export of what Recur holds. */
export const customersDataRequest = defineDeliveryTask("compliance.customers-data-request", {
  schema: customersDataRequestPayload,
  shop: "any",
  async process({ client, delivery, payload, shop }) {
    if (!shop) return noData(delivery.shopDomain);
    const mismatch = otherShop(payload, delivery);
    if (mismatch) return mismatch;
    await recordDataRequest(client, {
      shopId: shop.id,
      shopifyRequestId: payload.data_request.id,
      customerId: payload.customer.id,
      customerEmail: payload.customer.email,
      ordersRequested: payload.orders_requested,
      deliveryId: delivery.id,
      requestedAt: delivery.triggeredAt ?? delivery.receivedAt,
    });
    return { status: "processed" };
  },
});
