/** Shops and their install state, as Shopify's install and uninstall tell it. */
import type { Queryable } from "../../db.server.ts";
import { enqueueJob } from "../queue/enqueue.server.ts";

export interface ShopRow {
  id: number;
  domain: string;
  state: "installed" | "uninstalled";
  installedAt: Date;
  uninstalledAt: Date | null;
}

/**
 * A shop Recur works for: installed, and not erased by shop/redact since it was installed (a shop
 * erased after an earlier uninstall and installed again is in service: its redacted_at stays as
 * the record that the request was honoured; the delivery tasks' `erased` is the same rule).
 * SQL over the shops table's own columns, unqualified, for a WHERE clause or a select list.
 */
export const SHOP_IN_SERVICE_SQL =
  "state = 'installed' AND (redacted_at IS NULL OR redacted_at < installed_at)";

const SHOP_FIELDS = `id, domain, state, installed_at AS "installedAt", uninstalled_at AS "uninstalledAt"`;

export async function findShopByDomain(
  db: Queryable,
  domain: string,
): Promise<ShopRow | undefined> {
  const { rows } = await db.query<ShopRow>(`SELECT ${SHOP_FIELDS} FROM shops WHERE domain = $1`, [
    domain,
  ]);
  return rows[0];
}

/**
 * Records an authenticated install (the afterAuth hook runs after every token exchange). Returns
 * the shop and whether this was a first install or a reinstall after an uninstall.
 */
export async function recordInstall(
  db: Queryable,
  domain: string,
  scopes: string | undefined,
): Promise<{ shop: ShopRow; newlyInstalled: boolean }> {
  const { rows } = await db.query<ShopRow & { newlyInstalled: boolean }>(
    `WITH previous AS (SELECT state FROM shops WHERE domain = $1)
     INSERT INTO shops AS s (domain, scopes, state, installed_at)
     VALUES ($1, $2, 'installed', now())
     ON CONFLICT (domain) DO UPDATE SET
       scopes = EXCLUDED.scopes,
       installed_at = CASE WHEN s.state = 'uninstalled' THEN now() ELSE s.installed_at END,
       uninstalled_at = CASE WHEN s.state = 'uninstalled' THEN NULL ELSE s.uninstalled_at END,
       state = 'installed',
       updated_at = now()
     RETURNING ${SHOP_FIELDS},
       coalesce((SELECT state FROM previous) <> 'installed', true) AS "newlyInstalled"`,
    [domain, scopes ?? null],
  );
  const { newlyInstalled, ...shop } = rows[0]!;
  return { shop, newlyInstalled };
}

/**
 * Uninstall: deletes the shop's sessions (its access tokens are revoked anyway), marks it
 * uninstalled and cancels its running sync runs. Idempotent.
 */
export async function recordUninstall(db: Queryable, shop: ShopRow, uninstalledAt: Date) {
  await db.query("DELETE FROM sessions WHERE shop = $1", [shop.domain]);
  await db.query(
    `UPDATE shops SET state = 'uninstalled', uninstalled_at = coalesce(uninstalled_at, $2),
       updated_at = now()
     WHERE id = $1`,
    [shop.id, uninstalledAt],
  );
  await db.query(
    `UPDATE sync_runs SET status = 'canceled', error_message = 'The shop uninstalled Recur',
       finished_at = now()
     WHERE shop_id = $1 AND status = 'running'`,
    [shop.id],
  );
}

/** Queues a read of the shop's time zone and currency from Shopify (the shop.settings task). */
export function enqueueShopSettings(db: Queryable, shopId: number) {
  return enqueueJob(db, "shop.settings", { shopId }, { jobKey: `shop-settings:${shopId}` });
}
