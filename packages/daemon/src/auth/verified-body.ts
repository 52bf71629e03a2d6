import type { IncomingMessage } from "node:http";
import type { Context } from "hono";

/**
 * Hands the verified bytes of a request to the handlers after `platformAuth`, without copying
 * them: Hono's body cache serves `c.req.arrayBuffer()/text()/json()` (and the stream routes,
 * `bodyReadByMiddleware`), and `c.req.raw` reads the same bytes.
 *
 * For `c.req.raw` under `@hono/node-server` (`incoming` given), the bytes go to
 * `incoming.rawBody`: the adapter's lazy Request serves its body from there when set (what it
 * does for hosts that read bodies before the app, e.g. Cloud Functions), so nothing is built
 * unless a handler asks. Building a new web Request with a stream body instead cost 40–70 µs
 * per request (bench/streams.bench.ts). Without Node (`app.request()`), `c.req.raw` is replaced
 * by a Request over the same buffer.
 *
 * @example handOnVerifiedBody(c, read.bytes, nodeIncoming(c));
 */
export function handOnVerifiedBody(
  c: Context,
  bytes: Uint8Array<ArrayBuffer>,
  incoming: IncomingMessage | undefined,
): void {
  // Hono's cache holds the promise each body reader returned (its `Partial<Body>` type says
  // otherwise); `text()`/`json()` are derived from whichever entry is cached.
  (c.req.bodyCache as { arrayBuffer?: Promise<ArrayBuffer> }).arrayBuffer = Promise.resolve(
    bytes.buffer,
  );
  if (incoming) {
    (incoming as IncomingMessage & { rawBody?: Buffer }).rawBody = Buffer.from(
      bytes.buffer,
      bytes.byteOffset,
      bytes.byteLength,
    );
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
