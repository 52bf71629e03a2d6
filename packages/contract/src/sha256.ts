import { hmac } from "@noble/hashes/hmac.js";
import { sha256 as nobleSha256 } from "@noble/hashes/sha2.js";

/**
 * Synchronous SHA-256 and HMAC-SHA256 from `@noble/hashes` (audited, dependency-free, runs
 * unchanged in workerd and Node). No hash or MAC is written by hand in this package.
 *
 * Why synchronous at all: on Node 20 every crypto.subtle call is dispatched to the thread pool
 * (~35–45 µs here), while noble hashes a request-sized input in a few µs. Large inputs still go
 * to crypto.subtle.digest (`sha256Base64url`), which is faster past a few KiB (see signing.ts).
 */

// A fresh noble hash allocates its buffers and a DataView; copying a pristine state into one
// reused instance skips that (see createHmacSha256 for why sharing it is safe).
const pristineSha256 = nobleSha256.create();
const scratchSha256 = nobleSha256.create();

/**
 * SHA-256 digest of `data`, synchronously.
 * @example sha256(new TextEncoder().encode("abc")) // ba7816bf… (32 bytes)
 */
export function sha256(data: Uint8Array): Uint8Array<ArrayBuffer> {
  return pristineSha256._cloneInto(scratchSha256).update(data).digest() as Uint8Array<ArrayBuffer>;
}

/**
 * Prepares HMAC-SHA256 (RFC 2104) for one key: the padded key blocks are absorbed once, so
 * each MAC only hashes the message.
 * @example const mac = createHmacSha256(keyBytes); mac(messageBytes) // 32 bytes
 */
export function createHmacSha256(
  key: Uint8Array,
): (message: Uint8Array) => Uint8Array<ArrayBuffer> {
  const prepared = hmac.create(nobleSha256, key);
  const scratch = prepared.clone();
  // _cloneInto (noble's Hash interface) copies the keyed state into a reused instance, ~1 µs
  // cheaper than clone(). Sharing `scratch` is safe: each call runs to completion synchronously.
  return (message) =>
    prepared._cloneInto(scratch).update(message).digest() as Uint8Array<ArrayBuffer>;
}
