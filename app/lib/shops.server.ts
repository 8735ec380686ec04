/** Shops: their install state, as Shopify's install and uninstall tell it. */
import { prisma } from "../db.server.ts";
import { logger } from "../logger.server.ts";

/** Called after every successful authentication of an install (the template's afterAuth hook). */
export async function recordInstall(domain: string, scopes: string | undefined) {
  const shop = await prisma.shop.upsert({
    where: { domain },
    create: { domain, scopes },
    update: { scopes, state: "installed", uninstalledAt: null },
  });
  logger.info({ shop: domain }, "shop installed");
  return shop;
}

export function findShop(domain: string) {
  return prisma.shop.findUnique({ where: { domain } });
}
