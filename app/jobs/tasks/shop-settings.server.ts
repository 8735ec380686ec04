/**
 * Reads the shop's time zone and currency from Shopify (`shop { ianaTimezone currencyCode }`) and
 * keeps them on the shop's row: nightly RFM scoring runs at the shop's own midnight, and the
 * Segments page shows money in the shop's currency. Queued after each authentication
 * (`enqueueShopSettings`, app/lib/db/shops.server.ts).
 */
import { pool } from "../../db.server.ts";
import { SHOP_IN_SERVICE_SQL } from "../../lib/db/shops.server.ts";
import { adminApiFor } from "../../lib/shopify/admin-api.server.ts";
import { SHOP_SETTINGS, type ShopSettings } from "../../lib/shopify/graphql-operations.ts";
import { defineTask } from "../define-task.server.ts";

/** Whether the runtime knows the zone (Intl throws a RangeError for one it does not). */
function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export const shopSettings = defineTask("shop.settings", async ({ shopId }, { logFields }) => {
  logFields.shopId = shopId;
  const { rows } = await pool.query<{ domain: string }>(
    `SELECT domain FROM shops WHERE id = $1 AND ${SHOP_IN_SERVICE_SQL}`,
    [shopId],
  );
  const domain = rows[0]?.domain;
  if (!domain) {
    logFields.skipped = "shop not installed";
    return;
  }
  const api = await adminApiFor(domain);
  const { shop } = await api.request<ShopSettings>(SHOP_SETTINGS);
  const zone = isTimeZone(shop.ianaTimezone) ? shop.ianaTimezone : null;
  await pool.query(
    `UPDATE shops SET iana_timezone = coalesce($2, iana_timezone),
       currency_code = coalesce($3, currency_code), updated_at = now()
     WHERE id = $1`,
    [shopId, zone, shop.currencyCode || null],
  );
  Object.assign(logFields, { ianaTimezone: zone, currencyCode: shop.currencyCode });
});
