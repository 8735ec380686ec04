/**
 * Single-flight refresh of a shop's expiring offline access token, across every web and worker
 * process. Shopify "replaces its refresh token every time your app uses it"
 * (https://shopify.dev/docs/apps/build/security/credentials-and-data/use-expiring-offline-access-tokens):
 * two processes refreshing with the same refresh token at once leave one of them refused. So a
 * refresh takes a PostgreSQL advisory lock named by the shop, reads the stored session again (a
 * process that waited finds it refreshed and does nothing), and only then asks Shopify.
 *
 * A refresh Shopify refuses is a `TokenRefreshError` whose message says why, in Shopify's words
 * (shopify-app-remix's own refresh throws a bare `Response`, which reads "[object Response]").
 */
import { HttpResponseError, type Session } from "@shopify/shopify-api";
import type pg from "pg";
import { withTransaction } from "../../db.server.ts";
import type { CachedSessionStorage } from "./session-cache.server.ts";

/** As shopify-app-remix: an offline token this close to its expiry is refreshed before use. */
export const REFRESH_MARGIN_MS = 5 * 60_000;

/** How long a process waits for another's refresh before giving up (the job retries). */
const LOCK_TIMEOUT_MS = 30_000;

export class TokenRefreshError extends Error {
  override name = "TokenRefreshError";
}

export interface OfflineTokenDeps {
  pool: pg.Pool;
  storage: CachedSessionStorage;
  offlineId: (shop: string) => string;
  refresh: (params: { shop: string; refreshToken: string }) => Promise<{ session: Session }>;
}

export function needsRefresh(session: Session | undefined): session is Session {
  return Boolean(
    session?.refreshToken &&
    session.expires &&
    session.expires.getTime() - Date.now() < REFRESH_MARGIN_MS,
  );
}

/** Runs `fn` holding the shop's offline-token lock (a transaction-scoped advisory lock). */
export async function withOfflineTokenLock<T>(
  pool: pg.Pool,
  shop: string,
  fn: () => Promise<T>,
): Promise<T> {
  return withTransaction(
    pool,
    async (client) => {
      await client.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [
        `recur:offline-token:${shop}`,
      ]);
      return fn();
    },
    { lockTimeoutMs: LOCK_TIMEOUT_MS },
  );
}

/**
 * Makes sure the shop's stored offline session is not about to expire, refreshing it (once, across
 * processes) when it is. Returns whether this call refreshed it.
 */
export async function ensureFreshOfflineToken(
  shop: string,
  deps: OfflineTokenDeps,
): Promise<boolean> {
  const id = deps.offlineId(shop);
  if (!needsRefresh(await deps.storage.loadSession(id))) return false;
  return withOfflineTokenLock(deps.pool, shop, async () => {
    // Another process may have refreshed it while this one waited: the stored session decides,
    // not this process's memory of it.
    const current = await deps.storage.reload(id);
    if (!needsRefresh(current)) return false;
    let refreshed: Session;
    try {
      ({ session: refreshed } = await deps.refresh({
        shop,
        refreshToken: current.refreshToken!,
      }));
    } catch (error) {
      throw new TokenRefreshError(describeRefreshFailure(shop, error), { cause: error });
    }
    await deps.storage.storeSession(refreshed);
    return true;
  });
}

function describeRefreshFailure(shop: string, error: unknown): string {
  if (error instanceof HttpResponseError) {
    const body = error.response.body as { error?: unknown; error_description?: unknown } | null;
    const said = [body?.error, body?.error_description]
      .filter((part) => typeof part === "string" && part)
      .join(": ");
    return `Shopify refused to refresh the offline access token of ${shop} (HTTP ${error.response.code}${said ? `, ${said}` : ""}): open Recur in Shopify admin to grant a new one`;
  }
  const reason = error instanceof Error ? error.message : String(error);
  return `Could not refresh the offline access token of ${shop}: ${reason}`;
}
