import type { IncomingMessage, ServerResponse } from "node:http";
import type { HttpBindings } from "@hono/node-server";
import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";
import type { Context } from "hono";
import { errorResponse, headerList, respond } from "./http-responses.ts";

/**
 * What the stream routes read from a request. Under `@hono/node-server` it
 * reads Node's parsed headers and buffered body directly — building a
 * `Headers` object and piping the body through a web stream cost more than the
 * rest of a small append — and falls back to the web `Request` otherwise
 * (`app.request()`, or after a middleware consumed the body).
 */
export interface RequestAccess {
  url: string;
  /** A header value (any case), undefined when absent. */
  header(name: string): string | undefined;
  /** The body, or a 413 response when it exceeds `max` bytes. */
  body(max: number): Promise<Buffer | Response>;
  /** Subscribes to "the client disconnected"; returns an unsubscribe. */
  watchClient(listener: () => void): () => void;
  /** Node's response object, when there is one (SSE writes to it directly). */
  outgoing: ServerResponse | undefined;
  /**
   * Answers a success. Under Node it writes the response itself (headers and
   * body in one go) and returns `RESPONSE_ALREADY_SENT`, skipping the
   * Response → ServerResponse translation on the hot paths.
   */
  reply(status: number, headers: Record<string, string>, body?: string | Uint8Array): Response;
}

/** @example const access = requestAccess(c); access.header("content-type") */
export function requestAccess(c: Context): RequestAccess {
  const request = c.req.raw;
  const env = c.env as Partial<HttpBindings> | undefined;
  const incoming = env?.incoming;
  const outgoing = env?.outgoing;
  if (!incoming || typeof incoming.on !== "function" || !outgoing) {
    return {
      url: request.url,
      header: (name) => request.headers.get(name) ?? undefined,
      body: (max) => webBody(c, max),
      watchClient(listener) {
        const signal = request.signal;
        signal.addEventListener("abort", listener, { once: true });
        return () => signal.removeEventListener("abort", listener);
      },
      outgoing: undefined,
      reply: (status, headers, body) => respond(status, headers, body ?? null),
    };
  }
  const headers = incoming.headers;
  return {
    url: request.url,
    header(name) {
      const value = headers[name.toLowerCase()];
      return Array.isArray(value) ? value.join(", ") : value;
    },
    body: (max) => (incoming.readableDidRead ? webBody(c, max) : nodeBody(incoming, max)),
    watchClient(listener) {
      outgoing.once("close", listener);
      return () => outgoing.off("close", listener);
    },
    outgoing,
    reply(status, headers, body) {
      outgoing.writeHead(status, headerList(headers));
      outgoing.end(body);
      return RESPONSE_ALREADY_SENT;
    },
  };
}

// Through Hono's body cache: when a middleware (platformAuth) already read and verified the
// body, this is a view of those same bytes, not another copy.
async function webBody(c: Context, max: number): Promise<Buffer | Response> {
  if (Number(c.req.header("content-length") ?? 0) > max) return tooLarge(max);
  const body = Buffer.from(await c.req.arrayBuffer());
  return body.length > max ? tooLarge(max) : body;
}

// Handlers start while Node is still parsing the request's first packet; one
// turn of the event loop later a small body has been parsed and buffered and
// can be taken synchronously, without 'data'/'end' events.
async function nodeBody(incoming: IncomingMessage, max: number): Promise<Buffer | Response> {
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
