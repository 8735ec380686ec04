import { redactCustomer } from "../../lib/db/personal-data.server.ts";
import { customersRedactPayload } from "../../lib/webhooks/payloads.ts";
import { noData, otherShop } from "./compliance-rules.server.ts";
import { defineDeliveryTask } from "./delivery-task.server.ts";

/** customers/redact: erases the customer's personal data everywhere Recur holds it. */
export const customersRedact = defineDeliveryTask("compliance.customers-redact", {
  schema: customersRedactPayload,
  shop: "any",
  async process({ client, delivery, payload, shop }) {
    if (!shop) return noData(delivery.shopDomain);
    const mismatch = otherShop(payload, delivery);
    if (mismatch) return mismatch;
    await redactCustomer(client, shop, payload.customer.id, payload.orders_to_redact, delivery.id);
    return { status: "processed" };
  },
});
