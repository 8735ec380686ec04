/**
 * Every admin loader and action starts here: Shopify's session for the request, and Recur's shop
 * for that session. All reads and writes that follow are scoped to this shop.
 */
import { InvalidShopError } from "@shopify/shopify-api";
import { pool } from "../../db.server.ts";
import { logger } from "../../logger.server.ts";
import { authenticate } from "../../shopify.server.ts";
import { findShopByDomain, recordInstall, type ShopRow } from "../db/shops.server.ts";
import { requestSync } from "../sync/request.server.ts";
import { badRequest } from "./http.server.ts";

export type AdminContext = Awaited<ReturnType<typeof authenticate.admin>> & { shop: ShopRow };

export async function requireShop(request: Request): Promise<AdminContext> {
  const context = await authenticate.admin(request).catch((error: unknown) => {
    // A token signed with the app's secret whose shop is not a myshopify.com domain: only a leaked
    // secret makes one, but it is bad input all the same, not a server error.
    if (error instanceof InvalidShopError) {
      throw badRequest("The session token's shop is not a Shopify shop domain.");
    }
    throw error;
  });
  let shop = await findShopByDomain(pool, context.session.shop);
  if (shop?.state !== "installed") {
    // The first load after an install (or a reinstall): Remix runs the layout's and the page's loaders at once,
    // each exchanges the session token, and shopify-app-remix runs afterAuth in one of them only,
    // without making the others wait for it. The session is valid, so record the install here as
    // afterAuth does; whichever of the two records it first also asks for the first sync (a
    // second request is the same job, by its key).
    const installed = await recordInstall(pool, context.session.shop, context.session.scope);
    logger.info(
      { shop: context.session.shop, newlyInstalled: installed.newlyInstalled },
      "admin: recorded an install afterAuth had not recorded yet",
    );
    if (installed.newlyInstalled) await requestSync(pool, installed.shop.id, "full");
    shop = installed.shop;
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
