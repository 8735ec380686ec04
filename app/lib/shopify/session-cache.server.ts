/**
 * A few seconds of memory in front of the session storage. shopify-app-remix loads the shop's
 * offline session on every webhook and every admin request; without this, each load is a Prisma
 * query (compiled by its WebAssembly query compiler), a large share of a webhook's cost.
 *
 * Stores and deletes made through this storage update the memory at once. A session deleted behind
 * its back (the worker's uninstall deletes sessions in SQL) is forgotten within `ttlMs`; the
 * library recovers from a revoked token by exchanging a new one.
 *
 * When a remembered session expires, the requests that want it meanwhile share one load: at a
 * thousand webhooks a second, each loading it for itself stalled every answer for a while.
 */
import { Session } from "@shopify/shopify-api";
import type { SessionStorage } from "@shopify/shopify-app-session-storage";

interface Entry {
  session: Session | undefined;
  expires: number;
}

export class CachedSessionStorage implements SessionStorage {
  private readonly entries = new Map<string, Entry>();
  /** Loads under way, shared by the requests that arrive while one runs. */
  private readonly loading = new Map<string, Promise<Session | undefined>>();
  private readonly inner: SessionStorage;
  private readonly ttlMs: number;

  constructor(inner: SessionStorage, ttlMs = 5000) {
    this.inner = inner;
    this.ttlMs = ttlMs;
  }

  async loadSession(id: string): Promise<Session | undefined> {
    const entry = this.entries.get(id);
    if (entry && entry.expires > Date.now()) return copy(entry.session);
    let load = this.loading.get(id);
    if (!load) {
      const started = this.inner.loadSession(id).then((session) => {
        // A store or delete since the load began has the newer word.
        if (this.loading.get(id) === started) this.remember(id, session);
        return session;
      });
      load = started.finally(() => {
        if (this.loading.get(id) === started) this.loading.delete(id);
      });
      this.loading.set(id, started);
    }
    return copy(await load);
  }

  /** Loads the stored session, bypassing and then updating the memory (offline-token.server.ts). */
  async reload(id: string): Promise<Session | undefined> {
    this.loading.delete(id);
    const session = await this.inner.loadSession(id);
    this.remember(id, session);
    return copy(session);
  }

  async storeSession(session: Session): Promise<boolean> {
    this.loading.delete(session.id);
    const stored = await this.inner.storeSession(session);
    this.remember(session.id, stored ? session : undefined);
    return stored;
  }

  async deleteSession(id: string): Promise<boolean> {
    this.loading.delete(id);
    this.entries.delete(id);
    return this.inner.deleteSession(id);
  }

  async deleteSessions(ids: string[]): Promise<boolean> {
    for (const id of ids) {
      this.loading.delete(id);
      this.entries.delete(id);
    }
    return this.inner.deleteSessions(ids);
  }

  findSessionsByShop(shop: string): Promise<Session[]> {
    return this.inner.findSessionsByShop(shop);
  }

  private remember(id: string, session: Session | undefined) {
    this.entries.set(id, { session: copy(session), expires: Date.now() + this.ttlMs });
    // Expired entries go as the map grows; the active set of shops is what remains.
    if (this.entries.size > 10_000) {
      const now = Date.now();
      for (const [key, entry] of this.entries) if (entry.expires <= now) this.entries.delete(key);
    }
  }
}

/** Callers may change the session they get; the remembered one stays as stored. */
function copy(session: Session | undefined): Session | undefined {
  return session ? new Session(session.toObject()) : undefined;
}
