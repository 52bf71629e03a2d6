import type { IncomingMessage } from "node:http";
import {
  CLOCK_SKEW_SECONDS,
  createReplayCache,
  errorBody,
  type ReplayCache,
  type RequestClaims,
  type SigningCrypto,
  VERIFY_FAILURE_MESSAGES,
  type VerifyFailureCode,
  verifyRequestBody,
  verifyRequestHeader,
} from "@iterate/contract";
import { DEFAULT_MAX_APPEND_BYTES } from "@iterate/streams";
import type { Context, MiddlewareHandler } from "hono";
import { type BodyBudget, createBodyBudget } from "./body-budget.ts";
import { nodeSigningCrypto } from "./node-crypto.ts";
import { type BodyRead, declaredBody, nodeIncoming, readRequestBody } from "./request-body.ts";
import { createTurnFlush } from "./turn-flush.ts";
import { handOnVerifiedBody } from "./verified-body.ts";

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
   * passes `openPersistentReplayCache()`, so replays stay refused across restarts. A cache
   * with `flush` (the persistent one batches its writes) is flushed after each accepted
   * claim, before the request runs: at once for the first request of an event-loop turn, in
   * one write for the rest of the turn (turn-flush.ts).
   */
  replayCache?: ReplayCache & { flush?(): void };
  /** Largest body one request may have (413 beyond it); default the largest stream append. */
  maxBodyBytes?: number;
  /** Bytes of bodies held at once across requests (503 beyond it); default 64 MiB. */
  maxInFlightBodyBytes?: number;
  /**
   * HMAC, SHA-256 and base64url for the contract's checks; default the native
   * {@link nodeSigningCrypto} (same answers as the contract's portable default, less CPU).
   */
  signingCrypto?: SigningCrypto;
}

/**
 * Lets through only requests the platform signed for this machine (ARCHITECTURE "Platform →
 * daemon: signed requests"), in two phases so that an unauthenticated sender costs no memory:
 *
 * 1. Before any body byte is read: the token's MAC and every claim but `bh` (contract
 *    `verifyRequestHeader`). Failures answer
 *    `401 {"error":{"code","message"}}` with the contract's code at once, body unread.
 * 2. Then the body, read once into one buffer (request-body.ts: a small one synchronously
 *    from Node's parsed request, a slow one until the token's deadline), capped per request
 *    (`413 payload_too_large`) and across requests (`503 limit_exceeded`), is checked against
 *    `bh` and the jti is recorded (contract `verifyRequestBody`: a refused request burns
 *    nothing) and flushed to the replay log before the request runs. A jti seen before is
 *    refused only here (the cache can be asked only by claiming) — except a second copy
 *    arriving while the first is still in flight: that one is `replayed` at once, before it
 *    can reserve any body bytes.
 *
 * Handlers read the verified bytes as usual (`c.req.json()`, `c.req.arrayBuffer()`,
 * `c.req.raw`), without another copy (verified-body.ts).
 *
 * @example
 * app.use(platformAuth({ secret: credentials.daemonSecret, machineId: credentials.machineId }));
 * app.get("/platform/ping", (c) => c.json({ jti: c.get("platformClaims").jti }));
 */
export function platformAuth(options: PlatformAuthOptions): MiddlewareHandler {
  const replayCache: NonNullable<PlatformAuthOptions["replayCache"]> =
    options.replayCache ?? createReplayCache();
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_APPEND_BYTES;
  const budget: BodyBudget = createBodyBudget(
    options.maxInFlightBodyBytes ?? DEFAULT_MAX_IN_FLIGHT_BODY_BYTES,
  );
  const now = options.now ?? Date.now;
  const signingCrypto = options.signingCrypto ?? nodeSigningCrypto;
  const flush = replayCache.flush?.bind(replayCache);
  const flushed = flush ? createTurnFlush(flush) : () => undefined;
  /** The jtis of requests between their header check and their end. */
  const inFlight = new Set<string>();
  return async function platformAuth(c, next) {
    // Node's parsed headers when served by @hono/node-server: asking c.req.header() would
    // build a web Headers object for the whole request first.
    const incoming = nodeIncoming(c);
    const authorization = incoming ? incoming.headers.authorization : c.req.header("authorization");
    const target = requestTargetAsSent(c, incoming);
    if (target === null) return refuse(c, "path_mismatch");
    const header = verifyRequestHeader({
      token: authorization,
      secret: options.secret,
      machineId: options.machineId,
      method: c.req.method,
      url: target,
      now,
      signingCrypto,
    });
    if (!header.ok) return refuse(c, header.code);
    const claims = header.claims;
    const { jti } = claims;
    // One copy of a token at a time: a second one while the first still reads its body is a
    // replay whatever comes of the first, refused before it can reserve body bytes (else one
    // captured token on many connections, each announcing a large body, holds the budget).
    if (inFlight.has(jti)) return refuse(c, "replayed");
    inFlight.add(jti);
    try {
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
        return refuseBody(c, read.reason, {
          signed: claims.bh !== undefined,
          maxBodyBytes,
          budget,
        });
      }
      try {
        const result = await verifyRequestBody(claims, read.bytes, {
          replayCache,
          now,
          signingCrypto,
        });
        if (!result.ok) return refuse(c, result.code);
        // The jti is on record before the request runs (a failing write fails the request).
        const written = flushed();
        if (written) await written;
        c.set("platformClaims", result.claims);
        if (declared.kind === "body") handOnVerifiedBody(c, read.bytes, incoming);
        await next();
      } finally {
        budget.release(read.reserved);
      }
    } finally {
      inFlight.delete(jti);
    }
  };
}

/**
 * The `htu` to check: the path and query exactly as sent (ARCHITECTURE), which under Node is
 * the request line's origin-form target itself — parsing `c.req.url` for it again cost ~2 µs
 * a request. Anything else (an absolute-form target, or one starting `//`, which would read as
 * a host) goes through the URL. The platform sends what it signed, so only a target that
 * differs from the signed one in its bytes is refused here where parsing would have let it
 * pass (e.g. `/a/../b` for a token signed for `/b`).
 *
 * null for a target the router would read as another path (a `.`/`..` segment, also as `%2e`,
 * or a backslash) or with a fragment: even signed as sent it would run another route than the
 * one signed. The platform never signs such a path (`fetchForInstance` refuses it); this is the
 * second line, not trust in one signer.
 */
function requestTargetAsSent(c: Context, incoming: IncomingMessage | undefined): string | null {
  const target = incoming?.url;
  if (target === undefined || target.charCodeAt(0) !== 47 || target.charCodeAt(1) === 47) {
    return c.req.url;
  }
  const query = target.indexOf("?");
  const path = query === -1 ? target : target.slice(0, query);
  return REWRITTEN_PATH.test(path) || target.includes("#") ? null : target;
}

/** A `.` or `..` segment (any spelling of its dots) or a backslash, each read as a path step. */
const REWRITTEN_PATH = /\\|\/(?:\.|%2e){1,2}(?:\/|$)/i;

/** The answer to a body that could not be read whole (request-body.ts says why). */
function refuseBody(
  c: Context,
  reason: Extract<BodyRead, { ok: false }>["reason"],
  limits: { signed: boolean; maxBodyBytes: number; budget: BodyBudget },
) {
  // A token signed without a body allows none: any byte is a mismatch, not an oversize.
  if (reason === "too_large" && !limits.signed) return refuse(c, "body_mismatch");
  if (reason === "too_large") {
    return c.json(
      errorBody("payload_too_large", `Request bodies are limited to ${limits.maxBodyBytes} bytes`),
      413,
    );
  }
  if (reason === "busy") {
    c.header("retry-after", "1");
    return c.json(
      errorBody(
        "limit_exceeded",
        `The daemon is already holding ${limits.budget.max} bytes of request bodies; retry shortly`,
      ),
      503,
    );
  }
  if (reason === "late") return refuse(c, "expired");
  return c.json(errorBody("bad_request", "The request body ended early"), 400);
}

function refuse(c: Context, code: VerifyFailureCode) {
  return c.json(errorBody(code, VERIFY_FAILURE_MESSAGES[code]), 401);
}
