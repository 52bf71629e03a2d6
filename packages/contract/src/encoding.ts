/**
 * Byte/text encodings shared by the envelope, tokens and signing modules.
 * Hand-written (not atob/btoa) so decoding is strict and identical in workerd and Node:
 * a string decodes only if it is the canonical encoding of some bytes.
 */

const URL_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const STD_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

const URL_DECODE = buildDecodeTable(URL_ALPHABET);
const STD_DECODE = buildDecodeTable(STD_ALPHABET);

const utf8Encoder = new TextEncoder();
// ignoreBOM spelled out: the workers type definitions require it (false is the default anyway).
const utf8Decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

function buildDecodeTable(alphabet: string): Int16Array {
  const table = new Int16Array(128).fill(-1);
  for (let i = 0; i < alphabet.length; i++) table[alphabet.charCodeAt(i)] = i;
  return table;
}

function encodeWith(bytes: Uint8Array, alphabet: string): string {
  let out = "";
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n =
      ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number);
    out +=
      alphabet.charAt(n >> 18) +
      alphabet.charAt((n >> 12) & 63) +
      alphabet.charAt((n >> 6) & 63) +
      alphabet.charAt(n & 63);
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = (bytes[i] as number) << 16;
    out += alphabet.charAt(n >> 18) + alphabet.charAt((n >> 12) & 63);
  } else if (rest === 2) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8);
    out +=
      alphabet.charAt(n >> 18) + alphabet.charAt((n >> 12) & 63) + alphabet.charAt((n >> 6) & 63);
  }
  return out;
}

/** Decodes unpadded text over one alphabet; null unless canonical (no stray bits, valid length). */
function decodeWith(text: string, table: Int16Array): Uint8Array<ArrayBuffer> | null {
  const len = text.length;
  if (len % 4 === 1) return null;
  const out = new Uint8Array(Math.floor((len * 3) / 4));
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < len; i++) {
    const c = text.charCodeAt(i);
    const v = c < 128 ? (table[c] as number) : -1;
    if (v < 0) return null;
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  // Leftover bits must be zero, otherwise two strings would decode to the same bytes.
  if (bits > 0 && (acc & ((1 << bits) - 1)) !== 0) return null;
  return out;
}

/**
 * Encodes bytes as unpadded base64url (RFC 4648 §5).
 * @example base64urlEncode(new Uint8Array([251, 255])) // "-_8"
 */
export function base64urlEncode(bytes: Uint8Array): string {
  return encodeWith(bytes, URL_ALPHABET);
}

/**
 * Decodes unpadded base64url; returns null for anything that is not the canonical encoding.
 * @example base64urlDecode("-_8") // Uint8Array [251, 255]
 */
export function base64urlDecode(text: string): Uint8Array<ArrayBuffer> | null {
  return decodeWith(text, URL_DECODE);
}

/**
 * Decodes standard base64 (padded or not) or base64url; null for anything else.
 * Used for operator-supplied keys, which are usually made with `openssl rand -base64 32`.
 * @example base64Decode("AAE=") // Uint8Array [0, 1]
 */
export function base64Decode(text: string): Uint8Array<ArrayBuffer> | null {
  const match = /^([^=]*)(=*)$/.exec(text);
  if (!match) return null;
  const body = match[1] as string;
  const pad = (match[2] as string).length;
  // Padded input must be whole quads; then the pad length is exactly what the body implies.
  if (pad > 0 && (pad > 2 || text.length % 4 !== 0)) return null;
  const hasStd = /[+/]/.test(body);
  const hasUrl = /[-_]/.test(body);
  if (hasStd && hasUrl) return null;
  return decodeWith(body, hasUrl ? URL_DECODE : STD_DECODE);
}

/** UTF-8 bytes of a string. */
export function utf8(text: string): Uint8Array<ArrayBuffer> {
  // Always a fresh ArrayBuffer at runtime; the workers types just declare it more loosely.
  return utf8Encoder.encode(text) as Uint8Array<ArrayBuffer>;
}

/** Decodes UTF-8; null when the bytes are not valid UTF-8. */
export function fromUtf8(bytes: Uint8Array): string | null {
  try {
    return utf8Decoder.decode(bytes);
  } catch {
    return null;
  }
}

/** A fresh Uint8Array of `length` cryptographically random bytes. */
export function randomBytes(length: number): Uint8Array<ArrayBuffer> {
  return crypto.getRandomValues(new Uint8Array(length));
}

/**
 * Base64url SHA-256 of bytes or UTF-8 text.
 * @example await sha256Base64url("") // "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU"
 */
export async function sha256Base64url(data: Uint8Array<ArrayBuffer> | string): Promise<string> {
  const bytes = typeof data === "string" ? utf8(data) : data;
  return base64urlEncode(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)));
}
