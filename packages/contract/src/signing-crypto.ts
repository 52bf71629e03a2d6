import { base64urlDecode, base64urlEncode, utf8 } from "./encoding.ts";
import { createHmacSha256, sha256 } from "./sha256.ts";

/**
 * The primitives request signing runs on: HMAC-SHA256, SHA-256 and base64url. Every function
 * of signing.ts takes one as its `crypto` option and defaults to {@link portableSigningCrypto}
 * (@noble/hashes and this package's own base64url; identical in workerd and Node).
 *
 * Why pluggable: on Node the portable primitives are most of a signed request's CPU (~11 µs of
 * JavaScript per small request, see docs/streams.md), while `node:crypto` and `Buffer` do the
 * same work natively in a few µs. This package may not import `node:*`, so a Node host passes
 * its own adapter (the daemon's `auth/node-crypto.ts`). An adapter must give exactly the
 * portable answers: the contract's test vectors are written to run against any of them.
 *
 * @example
 * const header = verifyRequestHeader({ token, secret, machineId, method, url, crypto: nodeSigningCrypto });
 */
export interface SigningCrypto {
  /**
   * Prepares HMAC-SHA256 (RFC 2104) for one key, any length; the returned function MACs a
   * message (a string is MACed as its UTF-8 bytes) and may be called any number of times.
   */
  createHmacSha256(key: Uint8Array): (message: string | Uint8Array) => Uint8Array;
  /** SHA-256 digest of `data`, synchronously. */
  sha256(data: Uint8Array): Uint8Array;
  /** Unpadded base64url (RFC 4648 §5). */
  base64urlEncode(bytes: Uint8Array): string;
  /**
   * Decodes unpadded base64url; null for anything that is not the canonical encoding of some
   * bytes (other characters, padding, a length of 4n+1, non-zero leftover bits), so that one
   * token has exactly one spelling. The result may be a view into a shared buffer: read its
   * bytes, not its `.buffer`.
   */
  base64urlDecode(text: string): Uint8Array | null;
  /**
   * Optional: `base64urlEncode(createHmacSha256(key)(message))` in one step, for a backend that
   * makes the text natively (a JWS signature is only ever used as text).
   */
  createHmacSha256Base64url?(key: Uint8Array): (message: string) => string;
  /** Optional: `base64urlEncode(sha256(data))` in one step (a body hash is only used as text). */
  sha256Base64url?(data: Uint8Array): string;
}

/**
 * The default {@link SigningCrypto}: @noble/hashes and the hand-checked base64url of
 * encoding.ts. Runs unchanged in workerd and Node.
 */
export const portableSigningCrypto: SigningCrypto = Object.freeze({
  createHmacSha256(key: Uint8Array) {
    const mac = createHmacSha256(key);
    return (message: string | Uint8Array) =>
      mac(typeof message === "string" ? utf8(message) : message);
  },
  sha256,
  base64urlEncode,
  base64urlDecode,
});
