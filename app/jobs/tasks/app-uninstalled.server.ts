import { recordUninstall } from "../../lib/db/shops.server.ts";
import { appUninstalledPayload } from "../../lib/webhooks/payloads.ts";
import { defineDeliveryTask } from "./delivery-task.server.ts";

/**
 * app/uninstalled: the shop's sessions go, the shop is marked uninstalled and its running syncs are
 * canceled. It may arrive twice, or late: a repeat changes nothing, and an uninstall older than
 * the shop's latest install is ignored.
 */
export const appUninstalled = defineDeliveryTask("app.uninstalled", {
  schema: appUninstalledPayload,
  shop: "any",
  async process({ client, delivery, payload, shop }) {
    // The HMAC covers the body, not the headers: a body naming another shop is not this shop's.
    if (payload.myshopify_domain && payload.myshopify_domain !== delivery.shopDomain) {
      return {
        status: "ignored",
        reason: `The payload names ${payload.myshopify_domain}, not ${delivery.shopDomain}`,
      };
    }
    if (!shop)
      return { status: "ignored", reason: `${delivery.shopDomain} has not installed Recur` };
    const uninstalledAt = delivery.triggeredAt ?? delivery.receivedAt;
    if (shop.installedAt > uninstalledAt) {
      return {
        status: "ignored",
        reason: `Stale: ${shop.domain} installed Recur again at ${shop.installedAt.toISOString()}`,
      };
    }
    await recordUninstall(client, shop, uninstalledAt);
    return { status: "processed" };
  },
});
