/**
 * A Buffer view of `body` without copying it (request bodies arrive as
 * Buffers under Node and as plain Uint8Arrays through `app.request()`).
 *
 * @example
 * asBuffer(new Uint8Array([104, 105])).toString(); // "hi"
 */
export function asBuffer(body: Uint8Array): Buffer {
  return Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}
