/**
 * Reads a webhook's body once, as it streams in: each chunk goes into the HMAC and into one buffer,
 * so a body is held once (not as chunks, then a joined copy, then a string). A body whose
 * `Content-Length` is over the limit is refused before any of it is read; a chunked one as soon as
 * it passes the limit.
 */
import { createHmac } from "node:crypto";

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
export function declaredLength(request: Request): number | null {
  const header = request.headers.get("Content-Length");
  if (header === null || !/^\d+$/.test(header)) return null;
  return Number(header);
}

export async function readSignedBody(
  request: Request,
  limit: number,
  secret: string,
): Promise<SignedBody> {
  const declared = declaredLength(request);
  if (declared !== null && declared > limit) return { ok: false, size: declared };
  const hmac = createHmac("sha256", secret);
  if (!request.body) return { ok: true, bytes: Buffer.alloc(0), digest: hmac.digest() };

  // With a Content-Length (Shopify sends one), the buffer is allocated once, at its final size;
  // Node's HTTP parser never delivers more. Without one (chunked), chunks are kept and joined once.
  const whole = declared !== null ? Buffer.allocUnsafe(declared) : null;
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (size + value.byteLength > (whole ? whole.length : limit)) {
      await reader.cancel();
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
