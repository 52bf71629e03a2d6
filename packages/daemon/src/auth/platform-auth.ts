import {
  createReplayCache,
  errorBody,
  type ReplayCache,
  type RequestClaims,
  VERIFY_FAILURE_MESSAGES,
  verifyRequest,
} from "@iterate/contract";
import type { MiddlewareHandler } from "hono";

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
  return async function platformAuth(c, next) {
    let body: Uint8Array<ArrayBuffer> | undefined;
    // GET/HEAD carry no body; skipping the read keeps the common case allocation-free.
    if (c.req.method !== "GET" && c.req.method !== "HEAD" && c.req.raw.body !== null) {
      body = new Uint8Array(await c.req.arrayBuffer());
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
