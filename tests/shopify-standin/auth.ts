// Access tokens, refresh tokens and session tokens, after shopify.dev "Exchange a session token for
// an access token", "Offline access tokens" (expiring, with refresh) and "Session tokens".
import { randomBytes, randomUUID } from "node:crypto";
import { SignJWT, errors as joseErrors, jwtVerify } from "jose";

export const TOKEN_EXCHANGE_GRANT = "urn:ietf:params:oauth:grant-type:token-exchange";
export const ID_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:id_token";
export const OFFLINE_TOKEN_TYPE = "urn:shopify:params:oauth:token-type:offline-access-token";
export const ONLINE_TOKEN_TYPE = "urn:shopify:params:oauth:token-type:online-access-token";

export interface AccessTokenRecord {
  shop: string;
  kind: "offline" | "online";
  scopes: string[];
  /** Epoch ms; null for non-expiring offline tokens. */
  expiresAt: number | null;
  userId: number | null;
}

export interface RefreshTokenRecord {
  shop: string;
  expiresAt: number;
}

export interface AuthTokens {
  accessTokens: [string, AccessTokenRecord][];
  refreshTokens: [string, RefreshTokenRecord][];
}

export interface AuthOptions {
  apiKey: string;
  apiSecret: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  onlineTokenTtlSeconds: number;
}

export interface StandInUser {
  id: number;
  firstName: string;
  lastName: string;
  email: string;
}

export const DEFAULT_USER: StandInUser = {
  id: 902_541_635,
  firstName: "Stand-in",
  lastName: "Merchant",
  email: "merchant@example.com",
};

export class OAuthError extends Error {
  readonly status: number;
  readonly error: string;
  constructor(status: number, error: string, description: string) {
    super(description);
    this.status = status;
    this.error = error;
  }
}

export class Auth {
  private readonly options: AuthOptions;
  private readonly accessTokens = new Map<string, AccessTokenRecord>();
  private readonly refreshTokens = new Map<string, RefreshTokenRecord>();
  private readonly key: Uint8Array;

  constructor(options: AuthOptions) {
    this.options = options;
    this.key = new TextEncoder().encode(options.apiSecret);
  }

  /** A session token (App Bridge's id token) for `shop`, HS256-signed with the app secret. */
  async sessionToken(
    shop: string,
    user: StandInUser = DEFAULT_USER,
    sessionId?: string,
  ): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({
      dest: `https://${shop}`,
      sid: sessionId ?? randomUUID(),
    })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setIssuer(`https://${shop}/admin`)
      .setAudience(this.options.apiKey)
      .setSubject(String(user.id))
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + 60)
      .setJti(randomUUID())
      .sign(this.key);
  }

  /** Verifies a session token as Shopify does before a token exchange; returns the shop it names. */
  async verifySessionToken(token: string): Promise<{ shop: string; userId: number }> {
    try {
      const { payload } = await jwtVerify(token, this.key, {
        algorithms: ["HS256"],
        audience: this.options.apiKey,
        clockTolerance: 10,
      });
      const dest = typeof payload.dest === "string" ? new URL(payload.dest).hostname : "";
      if (!dest) throw new Error("missing dest");
      if (payload.iss !== `https://${dest}/admin`) throw new Error("iss does not match dest");
      return { shop: dest, userId: Number(payload.sub) };
    } catch (error) {
      const reason =
        error instanceof joseErrors.JOSEError || error instanceof Error
          ? error.message
          : String(error);
      throw new OAuthError(400, "invalid_subject_token", `Invalid subject token: ${reason}`);
    }
  }

  issueOffline(shop: string, scopes: string[], expiring: boolean) {
    const accessToken = `shpat_${randomBytes(16).toString("hex")}`;
    const now = Date.now();
    const ttl = this.options.accessTokenTtlSeconds;
    this.accessTokens.set(accessToken, {
      shop,
      kind: "offline",
      scopes,
      expiresAt: expiring ? now + ttl * 1000 : null,
      userId: null,
    });
    if (!expiring) return { access_token: accessToken, scope: scopes.join(",") };
    const refreshToken = `shprt_${randomBytes(16).toString("hex")}`;
    const refreshTtl = this.options.refreshTokenTtlSeconds;
    this.refreshTokens.set(refreshToken, { shop, expiresAt: now + refreshTtl * 1000 });
    return {
      access_token: accessToken,
      expires_in: ttl,
      refresh_token: refreshToken,
      refresh_token_expires_in: refreshTtl,
      scope: scopes.join(","),
    };
  }

  issueOnline(shop: string, scopes: string[], user: StandInUser) {
    const accessToken = `shpua_${randomBytes(16).toString("hex")}`;
    const ttl = this.options.onlineTokenTtlSeconds;
    this.accessTokens.set(accessToken, {
      shop,
      kind: "online",
      scopes,
      expiresAt: Date.now() + ttl * 1000,
      userId: user.id,
    });
    return {
      access_token: accessToken,
      scope: scopes.join(","),
      expires_in: ttl,
      associated_user_scope: scopes.join(","),
      session: randomUUID(),
      account_number: 0,
      associated_user: {
        id: user.id,
        first_name: user.firstName,
        last_name: user.lastName,
        email: user.email,
        account_owner: true,
        locale: "en",
        collaborator: false,
        email_verified: true,
      },
    };
  }

  /** Exchanges a non-expiring offline token for an expiring one (shopify-api's migrateToExpiringToken). */
  migrate(shop: string, token: string, scopes: string[]) {
    const record = this.accessTokens.get(token);
    if (!record || record.shop !== shop || record.kind !== "offline" || record.expiresAt !== null) {
      throw new OAuthError(
        400,
        "invalid_subject_token",
        "Invalid subject token: not a non-expiring offline token",
      );
    }
    this.accessTokens.delete(token);
    return this.issueOffline(shop, scopes, true);
  }

  refresh(shop: string, refreshToken: string, scopes: string[]) {
    const record = this.refreshTokens.get(refreshToken);
    if (!record || record.shop !== shop || record.expiresAt < Date.now()) {
      throw new OAuthError(
        400,
        "invalid_grant",
        "The refresh token is invalid, expired or revoked.",
      );
    }
    // Refresh tokens rotate: the used one stops working.
    this.refreshTokens.delete(refreshToken);
    return this.issueOffline(shop, scopes, true);
  }

  /** The record behind an access token, if it is valid now for `shop`. */
  check(token: string | undefined | null, shop: string): AccessTokenRecord | null {
    if (!token) return null;
    const record = this.accessTokens.get(token);
    if (!record || record.shop !== shop) return null;
    if (record.expiresAt !== null && record.expiresAt < Date.now()) return null;
    return record;
  }

  /** Revokes every token of a shop (app uninstalled). */
  revokeShop(shop: string): void {
    for (const [token, record] of this.accessTokens)
      if (record.shop === shop) this.accessTokens.delete(token);
    for (const [token, record] of this.refreshTokens)
      if (record.shop === shop) this.refreshTokens.delete(token);
  }

  /** Ends an access token's life now (tests of token refresh). */
  expire(token: string): boolean {
    const record = this.accessTokens.get(token);
    if (!record) return false;
    record.expiresAt = Date.now() - 1;
    return true;
  }

  /** Every live token, for a stand-in that must remember them across a restart (persist.ts). */
  exportTokens(): AuthTokens {
    return { accessTokens: [...this.accessTokens], refreshTokens: [...this.refreshTokens] };
  }

  importTokens(tokens: AuthTokens): void {
    for (const [token, record] of tokens.accessTokens) this.accessTokens.set(token, record);
    for (const [token, record] of tokens.refreshTokens) this.refreshTokens.set(token, record);
  }

  clientMatches(clientId: unknown, clientSecret: unknown): boolean {
    return clientId === this.options.apiKey && clientSecret === this.options.apiSecret;
  }
}
