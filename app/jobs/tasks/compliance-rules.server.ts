/**
 * Rules shared by Shopify's mandatory compliance webhooks. They are handled whether or not the shop
 * is installed (shop/redact comes 48 hours after the uninstall), and each is idempotent.
 */
export const noData = (domain: string) =>
  ({ status: "ignored", reason: `Recur holds no data for ${domain}` }) as const;

/**
 * Shopify's HMAC covers the body, not the headers: a privacy request acts only on the shop its
 * payload names, which must be the shop it was delivered for.
 */
export const otherShop = (payload: { shop_domain: string }, delivery: { shopDomain: string }) =>
  payload.shop_domain === delivery.shopDomain
    ? undefined
    : ({
        status: "ignored",
        reason: `The payload names ${payload.shop_domain}, not ${delivery.shopDomain}`,
      } as const);
