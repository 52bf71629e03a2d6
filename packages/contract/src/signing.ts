import { sha256Base64url, utf8 } from "./encoding.ts";
import type { VerifyFailureCode } from "./errors.ts";
import { hs256KeyForSecret, signHs256, verifyHs256 } from "./hs256.ts";
import { createReplayCache, type ReplayCache } from "./replay-cache.ts";
import {
  CLOCK_SKEW_SECONDS,
  PLATFORM_ISSUER,
  REQUEST_TOKEN_MAX_LIFETIME_SECONDS,
  type RequestClaims,
  readClaims,
} from "./request-claims.ts";
import { portableSigningCrypto, type SigningCrypto } from "./signing-crypto.ts";

/** A message per failure code, for `{"error":{"code","message"}}` bodies. */
export const VERIFY_FAILURE_MESSAGES: Readonly<Record<VerifyFailureCode, string>> = {
  missing: "Request is not signed",
  malformed: "Request signature is malformed",
  bad_signature: "Request signature is invalid",
  expired: "Request signature has expired",
  not_yet_valid: "Request signature is not valid yet",
  wrong_audience: "Request was signed for another machine",
  replayed: "Request signature was already used",
  method_mismatch: "Request method does not match its signature",
  path_mismatch: "Request path does not match its signature",
  body_mismatch: "Request body does not match its signature",
};

/** Body forms the signer and verifier hash; null, undefined and empty all mean "no body". */
export type RequestBody = Uint8Array | ArrayBuffer | string | null | undefined;

export interface SignRequestOptions {
  /** The daemon secret: base64url of 32 bytes; the HMAC key is the decoded bytes. */
  secret: string;
  machineId: string;
  method: string;
  /** Full URL or path + query. */
  url: string | URL;
  body?: RequestBody;
  /** Millisecond clock; default Date.now. */
  now?: () => number;
  /** exp − iat in seconds, at most 60 (the default). */
  lifetimeSeconds?: number;
  /** HMAC, SHA-256 and base64url; default {@link portableSigningCrypto}. */
  signingCrypto?: SigningCrypto;
}

/**
 * Signs one platform → daemon request: a fresh HS256 JWT for `Authorization: Bearer …`, with a
 * jti of its own. (The daemon refuses a token sent twice: a jti seen before with the same exp
 * second. A retry must be signed anew, which is what calling this again does.)
 * @example
 * const jwt = await signRequest({ secret, machineId, method: "POST", url: "/platform/bootstrap", body });
 * await fetch(new URL("/platform/bootstrap", daemonUrl), { method: "POST", body, headers: { authorization: `Bearer ${jwt}` } });
 */
export async function signRequest(options: SignRequestOptions): Promise<string> {
  const signingCrypto = options.signingCrypto ?? portableSigningCrypto;
  const key = hs256KeyForSecret(options.secret, signingCrypto);
  const iat = Math.floor((options.now ?? Date.now)() / 1000);
  const lifetime = Math.min(
    REQUEST_TOKEN_MAX_LIFETIME_SECONDS,
    Math.max(1, Math.floor(options.lifetimeSeconds ?? REQUEST_TOKEN_MAX_LIFETIME_SECONDS)),
  );
  const claims: RequestClaims = {
    iss: PLATFORM_ISSUER,
    aud: options.machineId,
    iat,
    exp: iat + lifetime,
    // randomUUID: 122 random bits; Node serves it from a cached entropy batch, unlike getRandomValues.
    jti: crypto.randomUUID(),
    htm: options.method.toUpperCase(),
    htu: requestTarget(options.url),
  };
  const body = bodyBytes(options.body);
  if (body.length > 0) claims.bh = await bodyHash(body, signingCrypto);
  return signHs256(key, claims);
}

export interface VerifyRequestOptions {
  /** The JWT (a leading `Bearer ` is tolerated); null/undefined/empty → `missing`. */
  token: string | null | undefined;
  /** This daemon's secret. */
  secret: string;
  /** This daemon's machine id; must be the token's audience. */
  machineId: string;
  method: string;
  /** The request URL as received (full URL or path + query). */
  url: string | URL;
  body?: RequestBody;
  now?: () => number;
  /** jti memory; default one module-wide cache. */
  replayCache?: ReplayCache;
  /**
   * HMAC, SHA-256 and base64url; default {@link portableSigningCrypto}. A Node host passes a
   * native adapter (same answers, a fraction of the CPU).
   */
  signingCrypto?: SigningCrypto;
}

/** What {@link verifyRequestHeader} needs: the request line and the token, not the body. */
export type VerifyRequestHeaderOptions = Omit<VerifyRequestOptions, "body" | "replayCache">;

/** What {@link verifyRequestBody} needs besides the claims and the body. */
export interface VerifyRequestBodyOptions {
  /** jti memory; default one module-wide cache (the same one verifyRequest uses). */
  replayCache?: ReplayCache;
  /** Millisecond clock; default Date.now. */
  now?: () => number;
  /** SHA-256 and base64url for `bh`; default {@link portableSigningCrypto}. */
  signingCrypto?: SigningCrypto;
}

/** A verified request's claims, or the reason it was refused. */
export type VerifyRequestResult =
  | { ok: true; claims: RequestClaims }
  | { ok: false; code: VerifyFailureCode };

let defaultReplayCache: ReplayCache | undefined;

/**
 * Verifies a signed platform → daemon request. Expected failures are values, not throws.
 * The jti is recorded only when everything else passed, so a refused request burns nothing.
 * Exactly {@link verifyRequestHeader} followed by {@link verifyRequestBody}.
 * @example
 * const result = await verifyRequest({ token: c.req.header("authorization"), secret, machineId,
 *   method: c.req.method, url: c.req.url, body: new Uint8Array(await c.req.arrayBuffer()) });
 * if (!result.ok) return c.json(errorBody(result.code, VERIFY_FAILURE_MESSAGES[result.code]), 401);
 */
export async function verifyRequest(options: VerifyRequestOptions): Promise<VerifyRequestResult> {
  // One clock reading for both phases, so the composition decides exactly as one check would.
  const nowMs = (options.now ?? Date.now)();
  const now = () => nowMs;
  const header = verifyRequestHeader({ ...options, now });
  if (!header.ok) return header;
  return verifyRequestBody(header.claims, options.body, {
    replayCache: options.replayCache,
    now,
    signingCrypto: options.signingCrypto,
  });
}

/**
 * Phase one of {@link verifyRequest}, before any body byte is read: the token's MAC, claims,
 * audience, lifetime, method and path. Records nothing: a request passing here still needs
 * {@link verifyRequestBody}, and until then its jti is not spent (two copies of one token may
 * both pass this phase; only one can pass the next). Synchronous and cheap (one HMAC).
 * `claims.bh === undefined` means the body must be empty, so a non-empty one can be refused as
 * `body_mismatch` without reading it.
 * @example
 * const header = verifyRequestHeader({ token: c.req.header("authorization"), secret, machineId,
 *   method: c.req.method, url: c.req.url });
 * if (!header.ok) return c.json(errorBody(header.code, VERIFY_FAILURE_MESSAGES[header.code]), 401);
 * const body = await readCappedBody(c.req.raw); // only now, for an authenticated sender
 * const result = await verifyRequestBody(header.claims, body, { replayCache });
 */
export function verifyRequestHeader(options: VerifyRequestHeaderOptions): VerifyRequestResult {
  const token = tokenOf(options.token);
  if (!token) return { ok: false, code: "missing" };
  const key = hs256KeyForSecret(options.secret, options.signingCrypto);
  const checked = verifyHs256(key, token);
  if (!checked.ok) return checked;
  const claims = readClaims(checked.payload);
  if (!claims) return { ok: false, code: "malformed" };

  const audience = claims.aud;
  if (
    Array.isArray(audience) ? !audience.includes(options.machineId) : audience !== options.machineId
  ) {
    return { ok: false, code: "wrong_audience" };
  }

  const nowSec = Math.floor((options.now ?? Date.now)() / 1000);
  if (isExpired(claims, nowSec)) return { ok: false, code: "expired" };
  if (claims.iat > nowSec + CLOCK_SKEW_SECONDS) return { ok: false, code: "not_yet_valid" };
  if (claims.nbf !== undefined && claims.nbf > nowSec + CLOCK_SKEW_SECONDS) {
    return { ok: false, code: "not_yet_valid" };
  }

  if (claims.htm !== options.method && claims.htm.toUpperCase() !== options.method.toUpperCase()) {
    return { ok: false, code: "method_mismatch" };
  }
  if (claims.htu !== requestTarget(options.url)) return { ok: false, code: "path_mismatch" };
  return { ok: true, claims };
}

/**
 * Phase two of {@link verifyRequest}: checks `bh` against the body bytes and records the jti.
 * `claims` must come from a successful {@link verifyRequestHeader} of the same request.
 * Expiry is checked again, because reading the body takes time: a token that ran out while
 * its body arrived answers `expired`, so every jti recorded is one that could still verify.
 * @example
 * const result = await verifyRequestBody(header.claims, body, { replayCache });
 * if (!result.ok) return c.json(errorBody(result.code, VERIFY_FAILURE_MESSAGES[result.code]), 401);
 */
export async function verifyRequestBody(
  claims: RequestClaims,
  body: RequestBody,
  options: VerifyRequestBodyOptions = {},
): Promise<VerifyRequestResult> {
  // An empty body has no bh; a bh of the empty body is still a correct hash and accepted.
  const bytes = bodyBytes(body);
  if (bytes.length > 0 || claims.bh !== undefined) {
    const hash = bodyHash(bytes, options.signingCrypto ?? portableSigningCrypto);
    if (claims.bh !== (typeof hash === "string" ? hash : await hash))
      return { ok: false, code: "body_mismatch" };
  }

  const nowMs = (options.now ?? Date.now)();
  if (isExpired(claims, Math.floor(nowMs / 1000))) return { ok: false, code: "expired" };
  defaultReplayCache ??= createReplayCache();
  const cache = options.replayCache ?? defaultReplayCache;
  // Remember the jti for as long as the token could still pass the expiry check.
  if (!cache.claim(claims.jti, (claims.exp + CLOCK_SKEW_SECONDS) * 1000, nowMs)) {
    return { ok: false, code: "replayed" };
  }
  return { ok: true, claims };
}

/**
 * The token of an Authorization value: trimmed, a leading `Bearer` (any case, then space or the
 * end) dropped. The usual `Bearer <token>` is taken without a regular expression.
 */
function tokenOf(authorization: string | null | undefined): string {
  const value = authorization ?? "";
  if (
    value.startsWith("Bearer ") &&
    visible(value.charCodeAt(7)) &&
    visible(value.charCodeAt(value.length - 1))
  ) {
    return value.slice(7);
  }
  return value.trim().replace(/^Bearer(\s+|$)/i, "");
}

/** Printable ASCII, so neither an ASCII nor a Unicode space that trim() would drop. */
function visible(code: number): boolean {
  return code > 32 && code < 127;
}

function isExpired(claims: RequestClaims, nowSec: number): boolean {
  return claims.exp <= nowSec - CLOCK_SKEW_SECONDS;
}

/**
 * The `htu` of a URL: path plus query exactly as sent, fragment dropped.
 * @example requestTarget("http://m:3000/agents/s1?offset=-1") // "/agents/s1?offset=-1"
 */
export function requestTarget(url: string | URL): string {
  if (typeof url === "string" && url.startsWith("/") && !url.startsWith("//")) {
    const hash = url.indexOf("#");
    return hash === -1 ? url : url.slice(0, hash);
  }
  const parsed = typeof url === "string" ? new URL(url) : url;
  return parsed.pathname + parsed.search;
}

/**
 * The token of an `Authorization: Bearer <token>` header, or null.
 * @example bearerToken(req.headers.get("authorization"))
 */
export function bearerToken(authorization: string | null | undefined): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
  return match ? (match[1] as string) : null;
}

/**
 * Bodies up to this size are hashed by the signing crypto, synchronously; larger ones by
 * WebCrypto (native, off the main thread in Node). Measured on Node 20 here: noble is faster
 * below ~6 KiB (4 KiB: 24 vs 35 µs) and WebCrypto above (16 KiB: 92 vs 45 µs; 1 MiB: 5.7 vs
 * 0.7 ms). A native backend is faster still below the bound, and above it the hash must not
 * hold the event loop.
 */
const SYNC_BODY_HASH_MAX_BYTES = 4 * 1024;

function bodyHash(
  body: Uint8Array<ArrayBuffer>,
  signingCrypto: SigningCrypto,
): Promise<string> | string {
  if (body.length > SYNC_BODY_HASH_MAX_BYTES) return sha256Base64url(body);
  return signingCrypto.sha256Base64url
    ? signingCrypto.sha256Base64url(body)
    : signingCrypto.base64urlEncode(signingCrypto.sha256(body));
}

function bodyBytes(body: RequestBody): Uint8Array<ArrayBuffer> {
  if (body === null || body === undefined) return new Uint8Array(0);
  if (typeof body === "string") return utf8(body);
  if (!(body instanceof Uint8Array)) return new Uint8Array(body);
  // WebCrypto refuses views over a SharedArrayBuffer; copy those.
  return body.buffer instanceof ArrayBuffer
    ? (body as Uint8Array<ArrayBuffer>)
    : new Uint8Array(body);
}
