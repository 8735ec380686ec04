import { redactShop } from "../../lib/db/personal-data.server.ts";
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
    // Shopify sends shop/redact 48 hours after the uninstall; a merchant who reinstalled Recur
    // meanwhile (or after the request was sent) is using the data again: the request is ignored,
    // with the reason (docs/decisions/037).
    const requestedAt = delivery.triggeredAt ?? delivery.receivedAt;
    if (shop.state === "installed" || shop.installedAt > requestedAt) {
      return {
        status: "ignored",
        reason: `${shop.domain} installed Recur again (${shop.installedAt.toISOString()}) after its uninstall; shop/redact of ${requestedAt.toISOString()} not applied`,
      };
    }
    await redactShop(client, shop, delivery.id);
    return { status: "processed" };
  },
});
