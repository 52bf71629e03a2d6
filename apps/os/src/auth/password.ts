/**
 * Password hashing with PBKDF2-SHA256 through WebCrypto (the only KDF workerd offers natively).
 *
 * Stored form: `pbkdf2-sha256$<iterations>$<salt>$<hash>` (base64url), so the iteration count can
 * be raised later and old hashes still verify.
 */
import { base64urlDecode, base64urlEncode, timingSafeEqual } from "@iterate/contract";

/**
 * Cloudflare's runtime refuses PBKDF2 above 100 000 iterations ("Pbkdf2 failed: iteration counts
 * above 100000 are not supported"), so this is the most it allows. (Local workerd has no limit
 * enforcer; production does.)
 */
export const PBKDF2_ITERATIONS = 100_000;
const SALT_BYTES = 16;
const HASH_BITS = 256;
const SCHEME = "pbkdf2-sha256";

async function derive(password: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(password),
    "PBKDF2",
    false,
    ["deriveBits"],
  );
  const bits = await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt, iterations },
    key,
    HASH_BITS,
  );
  return new Uint8Array(bits);
}

/**
 * Hashes a password with a fresh random salt.
 * @example const stored = await hashPassword("correct horse battery staple");
 */
export async function hashPassword(
  password: string,
  iterations: number = PBKDF2_ITERATIONS,
): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  const hash = await derive(password, salt, iterations);
  return `${SCHEME}$${iterations}$${base64urlEncode(salt)}$${base64urlEncode(hash)}`;
}

/**
 * Checks a password against a stored hash in constant time. A malformed stored hash is `false`.
 * @example if (!(await verifyPassword(input, user.passwordHash))) throw invalidCredentials();
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, iterationsText, saltText, hashText] = stored.split("$");
  const iterations = Number(iterationsText);
  const salt = saltText ? base64urlDecode(saltText) : null;
  const expected = hashText ? base64urlDecode(hashText) : null;
  if (scheme !== SCHEME || !Number.isInteger(iterations) || iterations < 1) return false;
  if (!salt || !expected) return false;
  const actual = await derive(password, salt, iterations);
  return timingSafeEqual(actual, expected);
}

/**
 * A valid hash of a random password, used to spend the same time on an unknown email as on a
 * wrong password, so the two cannot be told apart by timing. Computed once per isolate.
 */
let decoyHash: Promise<string> | undefined;
export function decoyPasswordHash(): Promise<string> {
  decoyHash ??= hashPassword(crypto.randomUUID());
  return decoyHash;
}
