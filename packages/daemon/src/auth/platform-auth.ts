import {
  CLOCK_SKEW_SECONDS,
  createReplayCache,
  errorBody,
  type ReplayCache,
  type RequestClaims,
  VERIFY_FAILURE_MESSAGES,
  type VerifyFailureCode,
  verifyRequestBody,
  verifyRequestHeader,
} from "@iterate/contract";
import { DEFAULT_MAX_APPEND_BYTES } from "@iterate/streams";
import type { Context, MiddlewareHandler } from "hono";
import {
  type BodyBudget,
  createBodyBudget,
  declaredBody,
  readRequestBody,
} from "./request-body.ts";

declare module "hono" {
  interface ContextVariableMap {
    /** Set by `platformAuth`: the verified claims of the platform's signed request. */
    platformClaims: RequestClaims;
  }
}

/** Default bound of the bytes of request bodies held at once, across requests (64 MiB). */
export const DEFAULT_MAX_IN_FLIGHT_BODY_BYTES = 64 * 1024 * 1024;

/** Options of {@link platformAuth}. */
export interface PlatformAuthOptions {
  /** This daemon's secret (base64url of 32 bytes), the HS256 key of every platform request. */
  secret: string;
  /** This daemon's machine id: the audience every token must name. */
  machineId: string;
  /** Millisecond clock; default Date.now. */
  now?: () => number;
  /**
   * Remembers used `jti`s; default one in-memory cache per middleware instance. The daemon
   * passes `openPersistentReplayCache()`, so replays stay refused across restarts.
   */
  replayCache?: ReplayCache;
  /** Largest body one request may have (413 beyond it); default the largest stream append. */
  maxBodyBytes?: number;
  /** Bytes of bodies held at once across requests (503 beyond it); default 64 MiB. */
  maxInFlightBodyBytes?: number;
}

/**
 * Lets through only requests the platform signed for this machine (ARCHITECTURE "Platform →
 * daemon: signed requests"), in two phases so that an unauthenticated sender costs no memory:
 *
 * 1. Before any body byte is read: the token's MAC and every claim but `bh` (contract
 *    `verifyRequestHeader`). Failures answer
 *    `401 {"error":{"code","message"}}` with the contract's code at once, body unread.
 * 2. Then the body, read once into one buffer, capped per request (`413 payload_too_large`)
 *    and across requests (`503 limit_exceeded`), is checked against `bh` and the jti is
 *    recorded (contract `verifyRequestBody`: a refused request burns nothing). A jti seen
 *    before is refused only here: the cache can be asked only by claiming.
 *
 * Handlers read the verified bytes as usual (`c.req.json()`, `c.req.arrayBuffer()`,
 * `c.req.raw`), without another copy.
 *
 * @example
 * app.use(platformAuth({ secret: credentials.daemonSecret, machineId: credentials.machineId }));
 * app.get("/platform/ping", (c) => c.json({ jti: c.get("platformClaims").jti }));
 */
export function platformAuth(options: PlatformAuthOptions): MiddlewareHandler {
  const replayCache = options.replayCache ?? createReplayCache();
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_APPEND_BYTES;
  const budget: BodyBudget = createBodyBudget(
    options.maxInFlightBodyBytes ?? DEFAULT_MAX_IN_FLIGHT_BODY_BYTES,
  );
  const now = options.now ?? Date.now;
  return async function platformAuth(c, next) {
    const header = verifyRequestHeader({
      token: c.req.header("authorization"),
      secret: options.secret,
      machineId: options.machineId,
      method: c.req.method,
      url: c.req.url,
      now,
    });
    if (!header.ok) return refuse(c, header.code);
    const claims = header.claims;

    const declared = declaredBody(c);
    // No bh means "signed without a body": any byte is a mismatch, so none needs reading.
    if (claims.bh === undefined && declared.kind === "body" && declared.length !== undefined) {
      return refuse(c, "body_mismatch");
    }
    const read = await readRequestBody(c, {
      declared,
      limit: claims.bh === undefined ? 0 : maxBodyBytes,
      budget,
      // Past this the token cannot verify anyway (contract: exp + the allowed skew).
      deadlineMs: (claims.exp + CLOCK_SKEW_SECONDS) * 1000,
      now,
    });
    if (!read.ok) {
      if (read.reason === "too_large" && claims.bh === undefined) return refuse(c, "body_mismatch");
      if (read.reason === "too_large") {
        return c.json(
          errorBody("payload_too_large", `Request bodies are limited to ${maxBodyBytes} bytes`),
          413,
        );
      }
      if (read.reason === "busy") {
        c.header("retry-after", "1");
        return c.json(
          errorBody(
            "limit_exceeded",
            `The daemon is already holding ${budget.max} bytes of request bodies; retry shortly`,
          ),
          503,
        );
      }
      if (read.reason === "late") return refuse(c, "expired");
      return c.json(errorBody("bad_request", "The request body ended early"), 400);
    }
    try {
      const result = await verifyRequestBody(claims, read.bytes, { replayCache, now });
      if (!result.ok) return refuse(c, result.code);
      c.set("platformClaims", result.claims);
      if (declared.kind === "body") exposeBody(c, read.bytes);
      await next();
    } finally {
      budget.release(read.reserved);
    }
  };
}

function refuse(c: Context, code: VerifyFailureCode) {
  return c.json(errorBody(code, VERIFY_FAILURE_MESSAGES[code]), 401);
}

/**
 * Hands the verified bytes to handlers without copying them: Hono's body cache serves
 * `c.req.arrayBuffer()/text()/json()`, and `c.req.raw` becomes a Request streaming the same
 * buffer (the original stream is consumed).
 */
function exposeBody(c: Context, bytes: Uint8Array<ArrayBuffer>): void {
  // Hono's cache holds the promise each body reader returned (its `Partial<Body>` type says
  // otherwise); `text()`/`json()` are derived from whichever entry is cached.
  (c.req.bodyCache as { arrayBuffer?: Promise<ArrayBuffer> }).arrayBuffer = Promise.resolve(
    bytes.buffer,
  );
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
