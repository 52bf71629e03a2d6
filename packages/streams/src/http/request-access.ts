import type { IncomingMessage } from "node:http";
import type { HttpBindings } from "@hono/node-server";
import type { Context } from "hono";
import { errorResponse } from "./responses.ts";

/**
 * What the stream routes read from a request. Under `@hono/node-server` it
 * reads Node's parsed headers and the body straight from Node's request —
 * building a `Headers` object and piping the body through a web stream cost
 * more than the rest of a small append — and the web `Request` otherwise
 * (`app.request()`).
 *
 * When a middleware in front of the app has already read the body (the
 * daemon's `platformAuth` reads it once to verify its hash and hands the bytes
 * on as `incoming.rawBody`, or through Hono's body cache without Node), the
 * app says so explicitly (`bodyReadByMiddleware`) and the body is taken from
 * there: the same bytes, not another copy.
 */
export interface RequestAccess {
  url: string;
  /** A header value (any case), undefined when absent. */
  header(name: string): string | undefined;
  /** The body, or a 413 response when it exceeds `max` bytes. */
  body(max: number): Promise<Buffer | Response>;
  /** Subscribes to "the client disconnected"; returns an unsubscribe. */
  watchClient(listener: () => void): () => void;
}

/** @example const request = requestAccess(c, { bodyReadByMiddleware: false }); request.header("content-type") */
export function requestAccess(
  c: Context,
  options: { bodyReadByMiddleware: boolean },
): RequestAccess {
  const request = c.req.raw;
  const env = c.env as Partial<HttpBindings> | undefined;
  const incoming = env?.incoming;
  const outgoing = env?.outgoing;
  if (!incoming || typeof incoming.on !== "function" || !outgoing) {
    return {
      url: request.url,
      header: (name) => request.headers.get(name) ?? undefined,
      body: (max) => cachedBody(c, request.headers.get("content-length"), max),
      watchClient(listener) {
        const signal = request.signal;
        // Gone before the live request began: its event has fired already and will not again.
        if (signal.aborted) {
          listener();
          return () => {};
        }
        signal.addEventListener("abort", listener, { once: true });
        return () => signal.removeEventListener("abort", listener);
      },
    };
  }
  const headers = incoming.headers;
  return {
    url: request.url,
    header(name) {
      const value = headers[name.toLowerCase()];
      return Array.isArray(value) ? value.join(", ") : value;
    },
    body: options.bodyReadByMiddleware
      ? (max) => preReadBody(c, incoming, max)
      : (max) => nodeBody(incoming, max),
    watchClient(listener) {
      // Gone before the live request began: its 'close' has fired already and will not again.
      if (outgoing.destroyed) {
        listener();
        return () => {};
      }
      outgoing.once("close", listener);
      return () => outgoing.off("close", listener);
    },
  };
}

// Through Hono's body cache: when a middleware already read (and verified) the
// body and put it there, this is a view of those same bytes. (`length` comes
// from the parsed headers: asking the adapter's lazy Request would build it.)
async function cachedBody(
  c: Context,
  length: string | null | undefined,
  max: number,
): Promise<Buffer | Response> {
  if (Number(length ?? 0) > max) return tooLarge(max);
  const body = Buffer.from(await c.req.arrayBuffer());
  return body.length > max ? tooLarge(max) : body;
}

// A body a middleware read under @hono/node-server: `incoming.rawBody`, the adapter's place for
// a body read before the app, is those bytes themselves; otherwise Hono's body cache.
async function preReadBody(
  c: Context,
  incoming: IncomingMessage,
  max: number,
): Promise<Buffer | Response> {
  const raw = (incoming as IncomingMessage & { rawBody?: unknown }).rawBody;
  if (!Buffer.isBuffer(raw)) return cachedBody(c, incoming.headers["content-length"], max);
  return raw.length > max ? tooLarge(max) : raw;
}

// Handlers start while Node is still parsing the request's first packet; one
// turn of the event loop later a small body has been parsed and buffered and
// can be taken synchronously, without 'data'/'end' events.
async function nodeBody(incoming: IncomingMessage, max: number): Promise<Buffer | Response> {
  if (incoming.readableDidRead) {
    // Not a fallback: reading on would silently yield an empty body.
    throw new Error(
      "the request body was already read by a middleware; create the app with bodyReadByMiddleware: true",
    );
  }
  if (Number(incoming.headers["content-length"] ?? 0) > max) return tooLarge(max);
  if (!incoming.complete) await new Promise((resolve) => setImmediate(resolve));
  const chunks: Buffer[] = [];
  let size = 0;
  if (incoming.complete) {
    for (
      let chunk = incoming.read() as Buffer | null;
      chunk !== null;
      chunk = incoming.read() as Buffer | null
    ) {
      chunks.push(chunk);
      size += chunk.length;
    }
  } else {
    await new Promise<void>((resolve, reject) => {
      incoming.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size <= max) chunks.push(chunk);
      });
      incoming.once("end", resolve);
      incoming.once("error", reject);
    });
  }
  if (size > max) return tooLarge(max);
  return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size);
}

function tooLarge(max: number): Response {
  return errorResponse(413, "payload_too_large", `body exceeds ${max} bytes`);
}
