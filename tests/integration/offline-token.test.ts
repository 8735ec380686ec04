/**
 * Expiring offline tokens (app/lib/shopify/offline-token.server.ts): Shopify (the stand-in, as
 * shopify.dev documents) replaces the refresh token each time it is used, so concurrent refreshes
 * must be one refresh; and a refused refresh is stored with Shopify's reason.
 */
import { PrismaSessionStorage } from "@shopify/shopify-app-session-storage-prisma";
import { HttpResponseError, Session, shopifyApi } from "@shopify/shopify-api";
import { describe, expect, it } from "vitest";
import { pool, prisma } from "../../app/db.server.ts";
import { enqueueJob } from "../../app/lib/queue/enqueue.server.ts";
import { adminApiFor } from "../../app/lib/shopify/admin-api.server.ts";
import {
  ensureFreshOfflineToken,
  TokenRefreshError,
  type OfflineTokenDeps,
} from "../../app/lib/shopify/offline-token.server.ts";
import { CachedSessionStorage } from "../../app/lib/shopify/session-cache.server.ts";
import { env } from "../../app/env.server.ts";
import { API_VERSION, offlineTokens, sessionStorage } from "../../app/shopify.server.ts";
import { drainJobs } from "../support/jobs.ts";
import { seedInstalledShop, syncRuns } from "../support/sync.ts";

/** The shop's stored session, migrated to an expiring token (with a refresh token) at the stand-in. */
async function expiringSession(shop: string, expiresInMs: number): Promise<Session> {
  const seeded = await sessionStorage.loadSession(`offline_${shop}`);
  const { session } = await api.auth.migrateToExpiringToken({
    shop,
    nonExpiringOfflineAccessToken: seeded!.accessToken!,
  });
  // As if the hour were nearly over: due for a refresh (the token itself still works).
  const due = new Session({ ...session.toObject(), expires: new Date(Date.now() + expiresInMs) });
  await sessionStorage.storeSession(due);
  return due;
}

/** shopify-api, configured as Recur's (the stand-in seam routes its calls to the stand-in). */
const api = shopifyApi({
  apiKey: env.SHOPIFY_API_KEY,
  apiSecretKey: env.SHOPIFY_API_SECRET,
  apiVersion: API_VERSION,
  scopes: env.SCOPES,
  hostName: new URL(env.SHOPIFY_APP_URL).host,
  hostScheme: "http",
  isEmbeddedApp: true,
  logger: { log: () => {} },
});

/** What the database holds, not what this process remembers. */
const stored = new PrismaSessionStorage(prisma);

/** Recur's refresh as another process has it: its own memory of sessions, its own counter. */
function process_(): OfflineTokenDeps & { refreshes: number } {
  const deps = {
    ...offlineTokens,
    storage: new CachedSessionStorage(new PrismaSessionStorage(prisma)),
    refreshes: 0,
    refresh: async (params: { shop: string; refreshToken: string }) => {
      deps.refreshes++;
      return offlineTokens.refresh(params);
    },
  };
  return deps;
}

describe("offline token refresh", () => {
  it("is one refresh when several web and worker processes find the token due at once", async () => {
    const { domain } = await seedInstalledShop({ shop: "token-single-flight", customers: 1 });
    const before = await expiringSession(domain, 60_000);
    const web = process_();
    const worker = process_();
    // Each process loads the due session into its memory first, as it would on its last request.
    await web.storage.loadSession(before.id);
    await worker.storage.loadSession(before.id);

    const results = await Promise.all(
      [web, worker, web, worker, web, worker].map((deps) => ensureFreshOfflineToken(domain, deps)),
    );

    expect(results.filter(Boolean)).toHaveLength(1);
    expect(web.refreshes + worker.refreshes).toBe(1);
    const after = await stored.loadSession(before.id);
    expect(after?.accessToken).not.toBe(before.accessToken);
    expect(after?.refreshToken).not.toBe(before.refreshToken);
    expect(after!.expires!.getTime()).toBeGreaterThan(Date.now() + 30 * 60_000);
    // Both processes now remember the refreshed session, and the new token works at Shopify.
    expect((await web.storage.loadSession(before.id))?.accessToken).toBe(after?.accessToken);
    expect((await worker.storage.loadSession(before.id))?.accessToken).toBe(after?.accessToken);
    const data = await (
      await adminApiFor(domain)
    ).request<{ shop: { myshopifyDomain: string } }>("query Shop { shop { myshopifyDomain } }");
    expect(data.shop.myshopifyDomain).toBe(domain);
  });

  it("without the lock, two refreshes at once leave one refused (why the lock exists)", async () => {
    const { domain } = await seedInstalledShop({ shop: "token-race", customers: 1 });
    const session = await expiringSession(domain, 60_000);
    const outcomes = await Promise.allSettled([
      offlineTokens.refresh({ shop: domain, refreshToken: session.refreshToken! }),
      offlineTokens.refresh({ shop: domain, refreshToken: session.refreshToken! }),
    ]);
    const refused = outcomes.filter((outcome) => outcome.status === "rejected");
    expect(refused).toHaveLength(1);
    expect((refused[0] as PromiseRejectedResult).reason).toBeInstanceOf(HttpResponseError);
  });

  it("that Shopify refuses is stored with Shopify's reason, not [object Response]", async () => {
    const { domain, shopId } = await seedInstalledShop({ shop: "token-refused", customers: 1 });
    const session = await expiringSession(domain, -60_000);
    await sessionStorage.storeSession(
      new Session({ ...session.toObject(), refreshToken: "shprt_revoked" }),
    );
    const reason = `Shopify refused to refresh the offline access token of ${domain} (HTTP 400, invalid_grant: The refresh token is invalid, expired or revoked.): open Recur in Shopify admin to grant a new one`;
    await expect(adminApiFor(domain)).rejects.toThrow(new TokenRefreshError(reason));

    await enqueueJob(pool, "sync.start", { shopId, kind: "full", entity: "customers" });
    await drainJobs({ tasks: ["sync.start"] });
    const runs = await syncRuns(shopId);
    expect(runs.map((run) => [run.status, run.error_message])).toContainEqual(["failed", reason]);
  });
});
