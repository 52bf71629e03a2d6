import { base64urlEncode, fromUtf8, utf8 } from "./encoding.ts";
import { AppError } from "./errors.ts";
import { portableSigningCrypto, type SigningCrypto } from "./signing-crypto.ts";
import { timingSafeEqualText } from "./tokens.ts";

/**
 * Minimal compact-JWS HS256 (RFC 7515/7518) framing: sign and verify with a per-secret cached
 * MAC. The HMAC and base64url come from a {@link SigningCrypto} (default @noble/hashes, see
 * signing-crypto.ts); only the framing is written here, because
 * jose's SignJWT/jwtVerify go through crypto.subtle (~400 µs per request on Node 20, see the
 * bench). Tests check interop with jose and with raw WebCrypto HMAC in both directions.
 */

/** `{"alg":"HS256","typ":"JWT"}`, pre-encoded: the header every token we mint carries. */
const STANDARD_HEADER: Readonly<Record<string, unknown>> = Object.freeze({
  alg: "HS256",
  typ: "JWT",
});
const ENCODED_HEADER = base64urlEncode(utf8(JSON.stringify(STANDARD_HEADER)));
const HMAC_KEY_BYTES = 32;
const KEY_CACHE_MAX = 256;

/** A prepared HS256 key: the signature of a message, and the primitives it was prepared with. */
export interface Hs256Key {
  /** The base64url of the HMAC-SHA256 of the UTF-8 message: a JWS signature. */
  signature(message: string): string;
  crypto: SigningCrypto;
}

// Per backend, keyed by the secret text. Bounded: a verifier has one secret, a signer one per
// live machine. A WeakMap, so a backend made for a test leaves nothing behind.
const keyCaches = new WeakMap<SigningCrypto, Map<string, Hs256Key>>();

/**
 * The HS256 key for a daemon secret (base64url of exactly 32 bytes), on `crypto`'s primitives.
 * Throws AppError(internal_error) for any other secret: that is a programming error, not a bad request.
 */
export function hs256KeyForSecret(
  secret: string,
  crypto: SigningCrypto = portableSigningCrypto,
): Hs256Key {
  let keyCache = keyCaches.get(crypto);
  if (!keyCache) {
    keyCache = new Map();
    keyCaches.set(crypto, keyCache);
  }
  const cached = keyCache.get(secret);
  if (cached) return cached;
  const bytes = typeof secret === "string" ? crypto.base64urlDecode(secret) : null;
  if (!bytes || bytes.length !== HMAC_KEY_BYTES) {
    throw new AppError("internal_error", "Daemon secret must be base64url of 32 bytes", 500);
  }
  const key: Hs256Key = { signature: signatureFunction(crypto, bytes), crypto };
  bytes.fill(0);
  if (keyCache.size >= KEY_CACHE_MAX) keyCache.delete(keyCache.keys().next().value as string);
  keyCache.set(secret, key);
  return key;
}

function signatureFunction(crypto: SigningCrypto, key: Uint8Array): (message: string) => string {
  if (crypto.createHmacSha256Base64url) return crypto.createHmacSha256Base64url(key);
  const mac = crypto.createHmacSha256(key);
  return (message) => crypto.base64urlEncode(mac(message));
}

/** Signs `payload` as a compact HS256 JWT with header `{"alg":"HS256","typ":"JWT"}`. */
export function signHs256(key: Hs256Key, payload: object): string {
  const { base64urlEncode: encode } = key.crypto;
  const signingInput = `${ENCODED_HEADER}.${encode(utf8(JSON.stringify(payload)))}`;
  return `${signingInput}.${key.signature(signingInput)}`;
}

/** Outcome of checking a compact HS256 JWT's structure and signature. */
export type Hs256Result =
  | { ok: true; payload: Record<string, unknown> }
  | { ok: false; code: "malformed" | "bad_signature" };

/**
 * Checks the signature of a compact JWT, then its header, and returns its payload object.
 * The MAC is checked before any JSON is parsed, so an unauthenticated sender reaches only the
 * split, one HMAC and a comparison: `malformed` before the MAC means "not three parts, or a
 * signature that is not base64url"; anything else unsigned is `bad_signature`. Accepts any
 * header with `alg: "HS256"` (typ, kid optional); `crit` is refused as we understand no
 * extensions (RFC 7515 §4.1.11).
 *
 * The signature is compared as text with the expected MAC's canonical base64url, so exactly one
 * spelling passes; only a refused one is decoded, to tell `malformed` from `bad_signature`.
 * (Decoding every signature to compare bytes cost more than the comparison.)
 */
export function verifyHs256(key: Hs256Key, token: string): Hs256Result {
  const headerEnd = token.indexOf(".");
  const payloadEnd = headerEnd === -1 ? -1 : token.indexOf(".", headerEnd + 1);
  if (payloadEnd === -1 || token.includes(".", payloadEnd + 1)) {
    return { ok: false, code: "malformed" };
  }
  const signatureText = token.slice(payloadEnd + 1);
  const expected = key.signature(token.slice(0, payloadEnd));
  if (!timingSafeEqualText(expected, signatureText)) {
    const wellFormed = key.crypto.base64urlDecode(signatureText) !== null;
    return { ok: false, code: wellFormed ? "bad_signature" : "malformed" };
  }
  // Authentic from here on: whatever fails below was signed with our key (a signer bug).
  // The header every signer of ours writes needs no decoding; any other is read in full.
  const headerText = token.slice(0, headerEnd);
  const header =
    headerText === ENCODED_HEADER ? STANDARD_HEADER : decodeJsonObject(headerText, key.crypto);
  const payload = decodeJsonObject(token.slice(headerEnd + 1, payloadEnd), key.crypto);
  if (!header || !payload || header.crit !== undefined) return { ok: false, code: "malformed" };
  // Anything but HS256 (incl. "none") cannot be checked with this key: treated as forged.
  if (header.alg !== "HS256") return { ok: false, code: "bad_signature" };
  return { ok: true, payload };
}

function decodeJsonObject(text: string, crypto: SigningCrypto): Record<string, unknown> | null {
  const bytes = crypto.base64urlDecode(text);
  if (!bytes) return null;
  const json = fromUtf8(bytes);
  if (json === null) return null;
  try {
    const value: unknown = JSON.parse(json);
    return value !== null && typeof value === "object" && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}
