/**
 * Shopify's mandatory compliance webhooks. They are handled whether or not the shop is installed
 * (shop/redact comes 48 hours after the uninstall). Each is idempotent.
 */
import { recordDataRequest, redactCustomer, redactShop } from "../../lib/store/privacy.server.ts";
import {
  customersDataRequestPayload,
  customersRedactPayload,
  shopRedactPayload,
} from "../../lib/webhooks/payloads.ts";
import { defineDeliveryTask } from "./delivery-task.server.ts";

const noData = (domain: string) =>
  ({ status: "ignored", reason: `Recur holds no data for ${domain}` }) as const;

/**
 * Shopify's HMAC covers the body, not the headers: a privacy request acts only on the shop its
 * payload names, which must be the shop it was delivered for.
 */
const otherShop = (payload: { shop_domain: string }, delivery: { shopDomain: string }) =>
  payload.shop_domain === delivery.shopDomain
    ? undefined
    : ({
        status: "ignored",
        reason: `The payload names ${payload.shop_domain}, not ${delivery.shopDomain}`,
      } as const);

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

export const customersRedact = defineDeliveryTask("compliance.customers-redact", {
  schema: customersRedactPayload,
  shop: "any",
  async process({ client, delivery, payload, shop }) {
    if (!shop) return noData(delivery.shopDomain);
    const mismatch = otherShop(payload, delivery);
    if (mismatch) return mismatch;
    await redactCustomer(client, shop, payload.customer.id, payload.orders_to_redact);
    return { status: "processed" };
  },
});

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
