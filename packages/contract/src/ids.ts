const ID_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz";
/** Length of the random part of every id. 20 × log2(36) ≈ 103 bits. */
export const ID_RANDOM_LENGTH = 20;
/** Matches the random part of an id: 20 characters of [0-9a-z]. */
export const ID_RANDOM_PATTERN = /^[0-9a-z]{20}$/;

/**
 * Uniformly random characters from `alphabet` (rejection sampling, so no modulo bias).
 * @example randomString(8, "01") // "01101001"
 */
export function randomString(length: number, alphabet: string): string {
  const n = alphabet.length;
  // Largest multiple of n that fits a byte; bytes at or above it are redrawn.
  const limit = 256 - (256 % n);
  let out = "";
  while (out.length < length) {
    const bytes = crypto.getRandomValues(new Uint8Array((length - out.length) * 2));
    for (const b of bytes) {
      if (b >= limit) continue;
      out += alphabet[b % n];
      if (out.length === length) break;
    }
  }
  return out;
}

/**
 * A prefixed random id: `${prefix}_` followed by 20 characters of [0-9a-z].
 * @example randomId("usr") // "usr_3k9x0q1m2n4b5v6c7z8a"
 */
export function randomId<P extends string>(prefix: P): `${P}_${string}` {
  return `${prefix}_${randomString(ID_RANDOM_LENGTH, ID_ALPHABET)}`;
}

/**
 * True when `value` is an id made by `randomId(prefix)`.
 * @example isId("mch", "mch_0123456789abcdefghij") // true
 */
export function isId(prefix: string, value: string): boolean {
  return value.startsWith(`${prefix}_`) && ID_RANDOM_PATTERN.test(value.slice(prefix.length + 1));
}
