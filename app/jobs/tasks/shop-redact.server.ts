import { redactShop } from "../../lib/store/privacy.server.ts";
import { shopRedactPayload } from "../../lib/webhooks/payloads.ts";
import { noData, otherShop } from "./compliance-rules.server.ts";
import { defineDeliveryTask } from "./delivery-task.server.ts";

/** shop/redact: erases everything Recur holds for the shop, 48 hours after its uninstall. */
export const shopRedact = defineDeliveryTask("compliance.shop-redact", {
  schema: shopRedactPayload,
  shop: "any",
  async process({ client, delivery, payload, shop }) {
    if (!shop) return noData(delivery.shopDomain);
    const mismatch = otherShop(payload, delivery);
    if (mismatch) return mismatch;
    const requestedAt = delivery.triggeredAt ?? delivery.receivedAt;
    if (shop.state === "installed" && shop.installedAt > requestedAt) {
      return {
        status: "ignored",
        reason: `${shop.domain} installed Recur again after this request was sent`,
      };
    }
    await redactShop(client, shop, delivery.id);
    return { status: "processed" };
  },
});
