import {
  createReplayCache,
  errorBody,
  type ReplayCache,
  type RequestClaims,
  VERIFY_FAILURE_MESSAGES,
  verifyRequest,
} from "@iterate/contract";
import type { MiddlewareHandler } from "hono";
import { DEFAULT_MAX_APPEND_BYTES } from "../streams/protocol.ts";

declare module "hono" {
  interface ContextVariableMap {
    /** Set by `platformAuth`: the verified claims of the platform's signed request. */
    platformClaims: RequestClaims;
  }
}

/** Options of {@link platformAuth}. */
export interface PlatformAuthOptions {
  /** This daemon's secret (base64url of 32 bytes), the HS256 key of every platform request. */
  secret: string;
  /** This daemon's machine id: the audience every token must name. */
  machineId: string;
  /** Millisecond clock; default Date.now. */
  now?: () => number;
  /** Remembers used `jti`s; default one cache per middleware instance. */
  replayCache?: ReplayCache;
  /** Largest body buffered for hashing (413 beyond it); default the largest stream append. */
  maxBodyBytes?: number;
}

/**
 * Lets through only requests the platform signed for this machine (ARCHITECTURE
 * "Platform → daemon: signed requests"). Every failure answers
 * `401 {"error":{"code","message"}}` with the contract's failure code. The body hash is
 * checked against the exact bytes received; handlers can still read the body afterwards
 * (`c.req.json()`, `c.req.arrayBuffer()` or `c.req.raw`).
 *
 * @example
 * app.use(platformAuth({ secret: credentials.daemonSecret, machineId: credentials.machineId }));
 * app.get("/platform/ping", (c) => c.json({ jti: c.get("platformClaims").jti }));
 */
export function platformAuth(options: PlatformAuthOptions): MiddlewareHandler {
  const replayCache = options.replayCache ?? createReplayCache();
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_APPEND_BYTES;
  return async function platformAuth(c, next) {
    let body: Uint8Array<ArrayBuffer> | undefined;
    // GET/HEAD carry no body; skipping the read keeps the common case allocation-free.
    if (c.req.method !== "GET" && c.req.method !== "HEAD" && c.req.raw.body !== null) {
      const read = await readBody(c.req.raw, maxBodyBytes);
      if (read === "too_large") {
        return c.json(
          errorBody("payload_too_large", `Request bodies are limited to ${maxBodyBytes} bytes`),
          413,
        );
      }
      body = read;
      // The raw stream is now consumed: hand handlers a fresh Request over the same bytes.
      c.req.raw = new Request(c.req.raw.url, {
        method: c.req.method,
        headers: c.req.raw.headers,
        body: body.byteLength > 0 ? body : undefined,
        signal: c.req.raw.signal,
      });
    }
    const result = await verifyRequest({
      token: c.req.header("authorization"),
      secret: options.secret,
      machineId: options.machineId,
      method: c.req.method,
      url: c.req.url,
      body,
      now: options.now,
      replayCache,
    });
    if (!result.ok) {
      return c.json(errorBody(result.code, VERIFY_FAILURE_MESSAGES[result.code]), 401);
    }
    c.set("platformClaims", result.claims);
    await next();
  };
}

/**
 * The request's bytes, or "too_large" as soon as they exceed `max` (announced by
 * Content-Length or counted while streaming), so an unauthenticated sender cannot make the
 * daemon buffer more than that.
 */
async function readBody(
  request: Request,
  max: number,
): Promise<Uint8Array<ArrayBuffer> | "too_large"> {
  if (Number(request.headers.get("content-length") ?? 0) > max) return "too_large";
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = (request.body as ReadableStream<Uint8Array>).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      return "too_large";
    }
    chunks.push(value);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}
