import type { IncomingMessage } from "node:http";
import type { Context } from "hono";

/**
 * Hands the verified bytes of a request to the handlers after `platformAuth`, in a buffer of
 * their own (Node's parser gives each body chunk one, so usually without a copy):
 *
 * - Hono's body cache gets them: `c.req.arrayBuffer()/text()/json()` are served from there.
 * - Under `@hono/node-server` (`incoming` given) they are also `incoming.rawBody`, the
 *   adapter's place for a body read before the app (it serves Cloud Functions so): its lazy
 *   Request serves `c.req.raw`'s body from there, and the stream routes
 *   (`bodyReadByMiddleware`) take them from there directly, without a promise of Hono's.
 *   (A new web Request with a stream body cost 40–70 µs per request; bench/streams.bench.ts.)
 * - Without Node (`app.request()`), `c.req.raw` is replaced by a Request over the same bytes.
 *
 * @example handOnVerifiedBody(c, read.bytes, nodeIncoming(c));
 */
export function handOnVerifiedBody(
  c: Context,
  bytes: Uint8Array,
  incoming: IncomingMessage | undefined,
): void {
  const own = ownBuffer(bytes);
  // Hono's cache holds the promise each body reader returned (its `Partial<Body>` type says
  // otherwise); `text()`/`json()` are derived from whichever entry is cached.
  (c.req.bodyCache as { arrayBuffer?: Promise<ArrayBuffer> }).arrayBuffer = Promise.resolve(
    own.buffer,
  );
  if (incoming) {
    (incoming as IncomingMessage & { rawBody?: Buffer }).rawBody = Buffer.isBuffer(own)
      ? own
      : Buffer.from(own.buffer, 0, own.byteLength);
    return;
  }
  const raw = c.req.raw;
  c.req.raw = new Request(raw.url, {
    method: raw.method,
    headers: raw.headers,
    body:
      bytes.byteLength === 0
        ? undefined
        : new ReadableStream<Uint8Array>({
            start(controller) {
              controller.enqueue(bytes);
              controller.close();
            },
          }),
    signal: raw.signal,
    duplex: "half",
  } as RequestInit);
}

/**
 * `bytes` over an ArrayBuffer of exactly its size: a copy unless it already is. A body read
 * from Node in one go after arriving in pieces is a slice of Node's shared pool, next to other
 * data (anything reading its `.buffer` would see that), and would keep the whole slab alive.
 */
function ownBuffer(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.byteOffset === 0 &&
    bytes.buffer instanceof ArrayBuffer &&
    bytes.buffer.byteLength === bytes.byteLength
    ? (bytes as Uint8Array<ArrayBuffer>)
    : new Uint8Array(bytes);
}
