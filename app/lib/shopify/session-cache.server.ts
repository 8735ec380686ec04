/**
 * A few seconds of memory in front of the session storage. shopify-app-remix loads the shop's
 * offline session on every webhook and every admin request; without this, each load is a Prisma
 * query (compiled by its WebAssembly query compiler), a large share of a webhook's cost.
 *
 * Stores and deletes made through this storage update the memory at once. A session deleted behind
 * its back (the worker's uninstall deletes sessions in SQL) is forgotten within `ttlMs`; the
 * library recovers from a revoked token by exchanging a new one.
 */
import { Session } from "@shopify/shopify-api";
import type { SessionStorage } from "@shopify/shopify-app-session-storage";

interface Entry {
  session: Session | undefined;
  expires: number;
}

export class CachedSessionStorage implements SessionStorage {
  private readonly entries = new Map<string, Entry>();
  private readonly inner: SessionStorage;
  private readonly ttlMs: number;

  constructor(inner: SessionStorage, ttlMs = 5000) {
    this.inner = inner;
    this.ttlMs = ttlMs;
  }

  async loadSession(id: string): Promise<Session | undefined> {
    const entry = this.entries.get(id);
    if (entry && entry.expires > Date.now()) return copy(entry.session);
    const session = await this.inner.loadSession(id);
    this.remember(id, session);
    return copy(session);
  }

  async storeSession(session: Session): Promise<boolean> {
    const stored = await this.inner.storeSession(session);
    this.remember(session.id, stored ? session : undefined);
    return stored;
  }

  async deleteSession(id: string): Promise<boolean> {
    this.entries.delete(id);
    return this.inner.deleteSession(id);
  }

  async deleteSessions(ids: string[]): Promise<boolean> {
    for (const id of ids) this.entries.delete(id);
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
