import { hash } from "node:crypto";
import type { SigningCrypto } from "@iterate/contract";

/** Unpadded base64url text: the alphabet only (length and leftover bits checked apart). */
const BASE64URL_TEXT = /^[A-Za-z0-9_-]*$/;

/**
 * The contract's {@link SigningCrypto} on `node:crypto` and `Buffer`: what `platformAuth`
 * verifies with. Same answers as the contract's portable default (the contract's vectors run
 * against both, test/auth/node-crypto.test.ts), at a fraction of the CPU per signed request
 * (bench/signing-crypto.bench.ts has the figures per primitive).
 *
 * `Buffer.from(text, "base64url")` is lenient (it skips unknown characters, accepts padding
 * and ignores leftover bits), so the text is checked first: one token, one spelling.
 *
 * @example
 * verifyRequestHeader({ token, secret, machineId, method, url, signingCrypto: nodeSigningCrypto });
 */
export const nodeSigningCrypto: SigningCrypto = Object.freeze({
  createHmacSha256(key: Uint8Array) {
    const mac = createHmacSha256(key, "binary");
    return (message: string | Uint8Array) => Buffer.from(mac(message), "latin1");
  },
  // What verification asks for: the signature and the body hash as text, straight from the
  // digest (no Buffer in between, no encoding pass).
  createHmacSha256Base64url(key: Uint8Array) {
    return createHmacSha256(key, "base64url");
  },
  sha256Base64url(data: Uint8Array) {
    return hash("sha256", data, "base64url");
  },
  sha256(data: Uint8Array) {
    // crypto.hash (Node ≥ 20.12): one call, no Hash object, unlike createHash.
    return digest(data);
  },
  base64urlEncode(bytes: Uint8Array) {
    const buffer = Buffer.isBuffer(bytes)
      ? bytes
      : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return buffer.toString("base64url");
  },
  base64urlDecode(text: string) {
    const rest = text.length % 4;
    if (rest === 1 || !BASE64URL_TEXT.test(text)) return null;
    // The last character of a 2- or 3-character tail carries 4 or 2 bits that must be zero.
    if (rest !== 0 && (sextet(text.charCodeAt(text.length - 1)) & (rest === 2 ? 15 : 3)) !== 0) {
      return null;
    }
    return Buffer.from(text, "base64url");
  },
});

/**
 * SHA-256 of `data` as a Buffer from Node's shared pool. Why through latin1: a "buffer" digest
 * gets an ArrayBuffer of its own, and that allocation was ~0.65 µs of the ~1 µs a digest cost
 * here; a one-byte string and a pooled copy of it are ~0.1 µs. ("binary" is Node's name for
 * latin1 that the digest's types accept.)
 */
function digest(data: Uint8Array): Buffer {
  return Buffer.from(hash("sha256", data, "binary"), "latin1");
}

/** SHA-256's block size: HMAC pads (or first hashes) the key to one block (RFC 2104 §2). */
const BLOCK_BYTES = 64;

/**
 * HMAC-SHA256 per RFC 2104 — H((K ⊕ opad) ‖ H((K ⊕ ipad) ‖ m)) — returned as the digest's text
 * in `encoding`, computed as two one-shot native `crypto.hash` calls over pad blocks prepared
 * once per key. Why not `createHmac`: it builds a stream object and re-keys OpenSSL on every
 * call (an Hmac cannot be reset); in the daemon under load that was ~3.5 µs and a share of the
 * GC per signed request, against ~1 µs here.
 * The hashing stays OpenSSL's; RFC 4231 and WebCrypto cross-checks run on this in the tests.
 * Scratch buffers are reused: each call runs to completion synchronously.
 */
function createHmacSha256(
  key: Uint8Array,
  // "binary" is Node's name for latin1 that the digest's types accept.
  encoding: "binary" | "base64url",
): (message: string | Uint8Array) => string {
  const block = Buffer.alloc(BLOCK_BYTES);
  block.set(key.length > BLOCK_BYTES ? digest(key) : key);
  // inner = (K ⊕ ipad) ‖ message, grown on demand; outer = (K ⊕ opad) ‖ inner digest.
  let inner = Buffer.alloc(BLOCK_BYTES + 1024);
  const outer = Buffer.alloc(BLOCK_BYTES + 32);
  for (let i = 0; i < BLOCK_BYTES; i++) {
    inner[i] = (block[i] as number) ^ 0x36;
    outer[i] = (block[i] as number) ^ 0x5c;
  }
  block.fill(0);
  return (message) => {
    // A string's UTF-8 form is at most 3 bytes per UTF-16 unit, so it always fits once grown.
    const room = typeof message === "string" ? message.length * 3 : message.byteLength;
    if (BLOCK_BYTES + room > inner.length) {
      const grown = Buffer.alloc(BLOCK_BYTES + room);
      inner.copy(grown, 0, 0, BLOCK_BYTES);
      inner.fill(0);
      inner = grown;
    }
    let length: number;
    if (typeof message === "string") length = inner.write(message, BLOCK_BYTES, "utf8");
    else {
      inner.set(message, BLOCK_BYTES);
      length = message.byteLength;
    }
    // Digests as latin1 text, one char per byte (see digest for why not a Buffer).
    outer.write(
      hash("sha256", inner.subarray(0, BLOCK_BYTES + length), "binary"),
      BLOCK_BYTES,
      "latin1",
    );
    return hash("sha256", outer, encoding);
  };
}

/** The value of a base64url character already known to be in the alphabet. */
function sextet(c: number): number {
  if (c === 45) return 62; // "-"
  if (c === 95) return 63; // "_"
  if (c >= 97) return c - 71; // a–z → 26–51
  if (c >= 65) return c - 65; // A–Z → 0–25
  return c + 4; // 0–9 → 52–61
}
