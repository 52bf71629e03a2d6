/**
 * Reading a request body once, as raw bytes, with a size cap — for signed webhooks, whose
 * signature covers the exact bytes (a parsed-and-reserialized body would not verify).
 */
import { AppError } from "@iterate/contract";

/**
 * The body's bytes, at most `maxBytes`: a larger `Content-Length` is refused before reading, a
 * body without one (chunked) is cut off as soon as it passes the cap. Throws 413
 * `payload_too_large`.
 * @example const body = await readRawBody(c.req.raw, 1024 * 1024);
 */
export async function readRawBody(
  request: Pick<Request, "headers" | "body">,
  maxBytes: number,
): Promise<Uint8Array> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > maxBytes) throw tooLarge(maxBytes);
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

function tooLarge(maxBytes: number): AppError {
  return new AppError(
    "payload_too_large",
    `Request bodies may be at most ${Math.floor(maxBytes / 1024)} KiB here.`,
  );
}
