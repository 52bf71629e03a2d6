import { base64urlEncode, randomBytes, sha256Base64url, utf8 } from "./encoding.ts";
import { randomId, randomString } from "./ids.ts";

/** Prefix of every access token, so leaked tokens are recognisable to secret scanners. */
export const ACCESS_TOKEN_PREFIX = "itk_";
const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/** Secret length: 43 base62 characters = 43 × log2(62) ≈ 256.03 bits. */
export const ACCESS_TOKEN_SECRET_LENGTH = 43;
/**
 * `itk_<tokenId>_<secret>`: tokenId is `tok_` + 20 [0-9a-z], secret 43 [0-9A-Za-z].
 * Neither part can contain `_` after its prefix, so parsing is unambiguous.
 */
export const ACCESS_TOKEN_PATTERN = /^itk_(tok_[0-9a-z]{20})_([0-9A-Za-z]{43})$/;

/** A freshly minted access token; `token` is shown once, only `hashSecret(secret)` is stored. */
export interface MintedAccessToken {
  /** `itk_<tokenId>_<secret>`, what the holder sends as `Authorization: Bearer …`. */
  token: string;
  /** `tok_…`, the row id in `access_tokens`. */
  tokenId: string;
  /** The random part; store only its hash. */
  secret: string;
}

/**
 * Mints an access token with 256 bits of secret randomness.
 * @example
 * const { token, tokenId, secret } = mintAccessToken();
 * await db.insert(accessTokens).values({ id: tokenId, secretHash: await hashSecret(secret) });
 */
export function mintAccessToken(): MintedAccessToken {
  const tokenId = randomId("tok");
  const secret = randomString(ACCESS_TOKEN_SECRET_LENGTH, BASE62);
  return { token: `${ACCESS_TOKEN_PREFIX}${tokenId}_${secret}`, tokenId, secret };
}

/**
 * Splits an access token into its id and secret; null unless it has exactly the minted shape.
 * @example parseAccessToken(bearer)?.tokenId // "tok_…"
 */
export function parseAccessToken(token: string): { tokenId: string; secret: string } | null {
  if (typeof token !== "string") return null;
  const match = ACCESS_TOKEN_PATTERN.exec(token);
  if (!match) return null;
  return { tokenId: match[1] as string, secret: match[2] as string };
}

/**
 * Base64url SHA-256 of a secret's UTF-8 bytes: what is stored for access tokens and session cookies.
 * The secrets are 256-bit random, so a fast unsalted hash is enough.
 * @example await hashSecret("abc") // "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0"
 */
export function hashSecret(secret: string): Promise<string> {
  return sha256Base64url(secret);
}

/**
 * Checks a presented secret against its stored hash in constant time.
 * @example if (!(await verifySecret(parsed.secret, row.secretHash))) throw unauthorized()
 */
export async function verifySecret(secret: string, storedHash: string): Promise<boolean> {
  if (typeof secret !== "string" || typeof storedHash !== "string") return false;
  const presented = await hashSecret(secret);
  return timingSafeEqual(utf8(presented), utf8(storedHash));
}

/**
 * Compares two byte arrays in time independent of where they differ.
 * Length is not hidden: unequal lengths return false at once.
 * @example timingSafeEqual(utf8(a), utf8(b))
 */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}

/**
 * Compares two strings in time independent of where they differ (by UTF-16 unit), for texts
 * derived from a secret, such as a MAC's base64url. Length is not hidden.
 * @example timingSafeEqualText(expectedSignature, presentedSignature)
 */
export function timingSafeEqualText(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** Matches a daemon secret: base64url of 32 bytes (43 characters, last one canonical). */
export const DAEMON_SECRET_PATTERN = /^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/;

/**
 * A daemon secret: base64url of 32 random bytes. The daemon makes one, sends it in its ping,
 * and the platform signs requests to it with the decoded bytes as HS256 key.
 * @example generateDaemonSecret() // "q3Yt…" (43 characters)
 */
export function generateDaemonSecret(): string {
  return base64urlEncode(randomBytes(32));
}
