/**
 * Downloading a bulk operation's result, failing closed (docs/decisions/035):
 *
 * - only `https:` URLs on the storage Shopify documents for bulk results are fetched (outside
 *   production also the Shopify stand-in's own origin, for tests and the demo);
 * - redirects are followed by hand, at most a few, each target checked like the first URL;
 * - a total time limit, an idle limit (no bytes from the network for too long; time the consumer
 *   spends writing to PostgreSQL does not count) and a size limit.
 *
 * Shopify's documented result URLs (shopify.dev, "Perform bulk operations with the GraphQL Admin
 * API", https://shopify.dev/docs/api/usage/bulk-operations/queries, and "Bulk import data with the
 * GraphQL Admin API", https://shopify.dev/docs/api/usage/bulk-operations/imports; kept verbatim in
 * tests/fixtures/shopify/bulk-operation-result-urls.json) are signed Google Cloud Storage URLs:
 * `https://storage.googleapis.com/shopify/…` and
 * `https://storage.googleapis.com/shopify-tiers-assets-prod-us-east1/…`.
 */
import { env, isLoopback } from "../../env.server.ts";

/** Shopify's documented bulk result storage: host and bucket (the URL's first path segment). */
export const SHOPIFY_RESULT_HOST = "storage.googleapis.com";
export const SHOPIFY_RESULT_BUCKETS: readonly string[] = [
  "shopify",
  "shopify-tiers-assets-prod-us-east1",
];

export interface DownloadLimits {
  /** The whole download, consumer's time included. */
  totalMs: number;
  /** Longest wait for the next bytes from the network (or for the response's headers). */
  idleMs: number;
  /** Largest body accepted, in bytes. */
  maxBytes: number;
  maxRedirects: number;
}

export const DEFAULT_DOWNLOAD_LIMITS: DownloadLimits = {
  totalMs: 2 * 60 * 60_000,
  idleMs: 60_000,
  maxBytes: 10 * 1024 ** 3,
  maxRedirects: 3,
};

/** A result Recur will not fetch, or stops fetching: retrying cannot help, so the run fails. */
export class ResultRefused extends Error {
  override name = "ResultRefused";
  readonly code: "RESULT_URL_REFUSED" | "RESULT_TOO_LARGE";
  constructor(code: ResultRefused["code"], message: string) {
    super(message);
    this.code = code;
  }
}

/** A download that failed in a way a later attempt may not (network, timeouts, HTTP errors). */
export class DownloadFailed extends Error {
  override name = "DownloadFailed";
}

export interface ResultUrlPolicy {
  production: boolean;
  /** The Shopify stand-in's URL; its origin is accepted outside production only. */
  standInUrl?: string;
}

function processPolicy(): ResultUrlPolicy {
  return { production: env.NODE_ENV === "production", standInUrl: env.SHOPIFY_STANDIN_URL };
}

/**
 * Why a result URL is refused, or undefined when it may be fetched. The reason names no part of
 * the URL: a signed URL's query is a credential, and the merchant reads the sync log.
 */
export function refusedResultUrl(
  value: string,
  policy: ResultUrlPolicy = processPolicy(),
): string | undefined {
  if (!URL.canParse(value)) return "the result URL is not a URL";
  const url = new URL(value);
  if (!policy.production && policy.standInUrl && URL.canParse(policy.standInUrl)) {
    const standIn = new URL(policy.standInUrl);
    if (url.origin === standIn.origin && isLoopback(url)) return undefined;
  }
  if (url.protocol !== "https:") return `the result URL is not https: (${url.protocol})`;
  if (url.username || url.password) return "the result URL carries credentials";
  if (url.hostname !== SHOPIFY_RESULT_HOST || (url.port !== "" && url.port !== "443")) {
    return "the result URL is not on Shopify's documented result storage";
  }
  const bucket = url.pathname.split("/")[1] ?? "";
  if (!SHOPIFY_RESULT_BUCKETS.includes(bucket)) {
    return "the result URL is not in one of Shopify's documented result buckets";
  }
  return undefined;
}

/** Host and bucket of a URL, for logs (never its query, which holds the signature). */
export function describeUrl(value: string): string {
  if (!URL.canParse(value)) return "(not a URL)";
  const url = new URL(value);
  return `${url.protocol}//${url.host}/${url.pathname.split("/")[1] ?? ""}`;
}

/**
 * Opens a result URL under `limits`. Throws ResultRefused for a URL (or redirect) outside the
 * policy or a body over the size limit, DownloadFailed for everything a retry may mend. Returns the
 * body, one chunk at a time as fast as the consumer takes it; its iteration throws the same errors
 * when a limit is reached mid-stream, and stopping it ends the download.
 */
export async function openBulkResult(
  url: string,
  limits: DownloadLimits = DEFAULT_DOWNLOAD_LIMITS,
  policy: ResultUrlPolicy = processPolicy(),
): Promise<AsyncIterable<Uint8Array>> {
  const total = AbortSignal.timeout(limits.totalMs);
  const idle = new AbortController();
  const signal = AbortSignal.any([total, idle.signal]);
  let idleTimer: NodeJS.Timeout | undefined;
  const arm = () => {
    idleTimer = setTimeout(() => idle.abort(), limits.idleMs);
  };
  const disarm = () => clearTimeout(idleTimer);
  const failure = (error: unknown): Error => {
    if (error instanceof ResultRefused || error instanceof DownloadFailed) return error;
    if (idle.signal.aborted) {
      return new DownloadFailed(`the bulk result sent nothing for ${limits.idleMs / 1000} s`);
    }
    if (total.aborted) {
      return new DownloadFailed(
        `the bulk result took longer than ${limits.totalMs / 1000} s to download`,
      );
    }
    return new DownloadFailed(
      `downloading the bulk result failed: ${error instanceof Error ? error.message : String(error)}`,
    );
  };

  let current = url;
  let response: Response | undefined;
  for (let hop = 0; ; hop++) {
    const refused = refusedResultUrl(current, policy);
    if (refused) {
      throw new ResultRefused(
        "RESULT_URL_REFUSED",
        hop === 0 ? refused : `a redirect of the result URL was refused: ${refused}`,
      );
    }
    arm();
    try {
      response = await fetch(current, { redirect: "manual", signal });
    } catch (error) {
      throw failure(error);
    } finally {
      disarm();
    }
    const location = response.headers.get("location");
    if (response.status >= 300 && response.status < 400 && location !== null) {
      await response.body?.cancel().catch(() => {});
      if (hop >= limits.maxRedirects) {
        throw new ResultRefused(
          "RESULT_URL_REFUSED",
          `the result URL redirected more than ${limits.maxRedirects} times`,
        );
      }
      current = URL.canParse(location, current) ? new URL(location, current).href : location;
      continue;
    }
    break;
  }
  if (!response.ok || !response.body) {
    await response.body?.cancel().catch(() => {});
    throw new DownloadFailed(`downloading the bulk result failed: HTTP ${response.status}`);
  }
  const length = Number(response.headers.get("content-length") ?? Number.NaN);
  if (length > limits.maxBytes) {
    await response.body.cancel().catch(() => {});
    throw new ResultRefused(
      "RESULT_TOO_LARGE",
      `the bulk result is larger than ${limits.maxBytes} bytes (${length})`,
    );
  }

  const reader = response.body.getReader();
  async function* chunks(): AsyncGenerator<Uint8Array> {
    let received = 0;
    try {
      for (;;) {
        arm();
        let next: ReadableStreamReadResult<Uint8Array>;
        try {
          next = await reader.read();
        } catch (error) {
          throw failure(error);
        } finally {
          disarm();
        }
        if (next.done) return;
        received += next.value.byteLength;
        if (received > limits.maxBytes) {
          throw new ResultRefused(
            "RESULT_TOO_LARGE",
            `the bulk result is larger than ${limits.maxBytes} bytes`,
          );
        }
        if (total.aborted) throw failure(total.reason);
        yield next.value;
      }
    } finally {
      disarm();
      await reader.cancel().catch(() => {});
    }
  }
  return chunks();
}
