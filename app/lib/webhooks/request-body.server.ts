/**
 * Reads a webhook's body once, as it streams in: each chunk goes into the HMAC and into one buffer,
 * so a body is held once (not as chunks, then a joined copy, then a string). A body whose
 * `Content-Length` is over the limit is refused before any of it is read; a chunked one as soon as
 * it passes the limit. The body is any stream of bytes: a web Request's (the Remix route) or
 * node:http's own request (node-handler.server.ts).
 */
import { createHmac } from "node:crypto";

/** Request headers, read by name (a web Headers, or an adapter over node:http's). */
export interface HeaderReader {
  get(name: string): string | null;
}

export type SignedBody =
  | {
      ok: true;
      /** The body's bytes exactly as received. */
      bytes: Buffer;
      /** HMAC-SHA256 of those bytes under the app's secret (what X-Shopify-Hmac-Sha256 encodes). */
      digest: Buffer;
    }
  /** Over the limit: `size` is the declared length, or what was read before giving up. */
  | { ok: false; size: number };

/** The body's declared length, if it has a valid one. */
export function declaredLength(headers: HeaderReader): number | null {
  const header = headers.get("Content-Length");
  if (header === null || !/^\d+$/.test(header)) return null;
  return Number(header);
}

export async function readSignedBody(
  body: AsyncIterable<Uint8Array> | null,
  declared: number | null,
  limit: number,
  secret: string,
): Promise<SignedBody> {
  if (declared !== null && declared > limit) return { ok: false, size: declared };
  const hmac = createHmac("sha256", secret);
  if (!body) return { ok: true, bytes: Buffer.alloc(0), digest: hmac.digest() };

  // With a Content-Length (Shopify sends one), the buffer is allocated once, at its final size;
  // Node's HTTP parser never delivers more. Without one (chunked), chunks are kept and joined once.
  const whole = declared !== null ? Buffer.allocUnsafe(declared) : null;
  const chunks: Uint8Array[] = [];
  let size = 0;
  // Leaving the loop early ends the stream's iteration (the rest of the body is not read).
  for await (const value of body) {
    if (size + value.byteLength > (whole ? whole.length : limit)) {
      return { ok: false, size: size + value.byteLength };
    }
    hmac.update(value);
    if (whole) whole.set(value, size);
    else chunks.push(value);
    size += value.byteLength;
  }
  const bytes = whole ? whole.subarray(0, size) : Buffer.concat(chunks, size);
  return { ok: true, bytes, digest: hmac.digest() };
}
