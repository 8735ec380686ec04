/**
 * Every admin loader and action starts here: Shopify's session for the request, and Recur's shop
 * for that session. All reads and writes that follow are scoped to this shop.
 */
import { pool } from "../../db.server.ts";
import { authenticate } from "../../shopify.server.ts";
import { findShopByDomain, type ShopRow } from "../store/shops.server.ts";
import { notFound } from "./http.server.ts";

export type AdminContext = Awaited<ReturnType<typeof authenticate.admin>> & { shop: ShopRow };

export async function requireShop(request: Request): Promise<AdminContext> {
  const context = await authenticate.admin(request);
  const shop = await findShopByDomain(pool, context.session.shop);
  if (!shop) {
    throw notFound(
      `Recur has no record of ${context.session.shop}. Open Recur again from Shopify admin.`,
    );
  }
  return { ...context, shop };
}

/** Whether the session's scopes let Recur read orders older than 60 days. */
export function canReadAllOrders(scope: string | undefined): boolean {
  return (scope ?? "")
    .split(",")
    .map((item) => item.trim())
    .includes("read_all_orders");
}
