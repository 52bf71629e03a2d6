/**
 * Test-only reference helpers built on btoa/atob and raw WebCrypto, deliberately independent
 * of src/ so known-answer tests do not check the code against itself.
 */

/** Base64url via btoa (the platform's encoder, not ours). */
export function refBase64url(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Decodes base64url via atob. */
export function refFromBase64url(text: string): Uint8Array<ArrayBuffer> {
  const std = text.replace(/-/g, "+").replace(/_/g, "/");
  const binary = atob(std + "=".repeat((4 - (std.length % 4)) % 4));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/** Bytes start, start+1, … (mod 256). */
export function sequentialBytes(length: number, start = 0): Uint8Array<ArrayBuffer> {
  return Uint8Array.from({ length }, (_, i) => (start + i) & 0xff);
}

/** A JWT signed with a plain WebCrypto HMAC-SHA256 over `header.payload`, no library involved. */
export async function refSignJwt(
  keyBytes: Uint8Array<ArrayBuffer>,
  payload: unknown,
  header: unknown = { alg: "HS256", typ: "JWT" },
): Promise<string> {
  const enc = new TextEncoder();
  return refSignParts(
    keyBytes,
    refBase64url(enc.encode(JSON.stringify(header))),
    refBase64url(enc.encode(JSON.stringify(payload))),
  );
}

/** `header.payload.mac` over two raw (possibly invalid) parts, MAC by plain WebCrypto HMAC-SHA256. */
export async function refSignParts(
  keyBytes: Uint8Array<ArrayBuffer>,
  headerPart: string,
  payloadPart: string,
): Promise<string> {
  const input = `${headerPart}.${payloadPart}`;
  const key = await crypto.subtle.importKey(
    "raw",
    keyBytes,
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(input));
  return `${input}.${refBase64url(new Uint8Array(mac))}`;
}

/** Base64url SHA-256 via raw WebCrypto. */
export async function refSha256(data: Uint8Array<ArrayBuffer> | string): Promise<string> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  return refBase64url(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)));
}

/** A deterministic PRNG (mulberry32) so property-style cases are reproducible from their seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random bytes of random length up to `max` from a seeded PRNG. */
export function randomBytesFrom(rand: () => number, max: number): Uint8Array<ArrayBuffer> {
  return Uint8Array.from({ length: Math.floor(rand() * (max + 1)) }, () =>
    Math.floor(rand() * 256),
  );
}

/** A random string mixing ASCII, BMP and astral characters. */
export function randomTextFrom(rand: () => number, max: number): string {
  const pools = ["abcXYZ019 _-./?=&%", "äöüßéñ漢字", "🙂🚀𝄞"];
  let out = "";
  const length = Math.floor(rand() * (max + 1));
  for (let i = 0; i < length; i++) {
    const pool = Array.from(pools[Math.floor(rand() * pools.length)] as string);
    out += pool[Math.floor(rand() * pool.length)];
  }
  return out;
}
