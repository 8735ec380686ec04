/** Reads a request body, giving up as soon as it exceeds a limit (chunked bodies included). */
export type LimitedBody = { ok: true; bytes: Uint8Array<ArrayBuffer> } | { ok: false };

export async function readBodyWithin(request: Request, limit: number): Promise<LimitedBody> {
  const declared = Number(request.headers.get("Content-Length"));
  if (Number.isFinite(declared) && declared > limit) return { ok: false };
  if (!request.body) return { ok: true, bytes: new Uint8Array() };

  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      return { ok: false };
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return { ok: true, bytes };
}
