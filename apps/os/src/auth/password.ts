/**
 * Password hashing with PBKDF2-SHA256 through WebCrypto (the only KDF workerd offers natively),
 * after a server-side pepper: the password is first HMAC-SHA256'd with `PASSWORD_PEPPER`, a
 * secret that lives in the worker's secrets, not in D1. Cloudflare caps PBKDF2 at 100 000
 * iterations, so a leaked `users` table alone must not be enough to guess passwords offline.
 *
 * Stored forms (base64url fields), so the scheme and iteration count can change and old hashes
 * still verify:
 * - `pbkdf2-sha256-pepper$<iterations>$<salt>$<hash>` — current: PBKDF2(HMAC(pepper, password))
 * - `pbkdf2-sha256$<iterations>$<salt>$<hash>` — before the pepper: PBKDF2(password). Still
 *   verified; {@link verifyPassword} says `rehash` so a successful log-in upgrades it.
 */
import { base64urlDecode, base64urlEncode, ConfigError, timingSafeEqual } from "@iterate/contract";

/**
 * Cloudflare's runtime refuses PBKDF2 above 100 000 iterations ("Pbkdf2 failed: iteration counts
 * above 100000 are not supported"), so this is the most it allows. (Local workerd has no limit
 * enforcer; production does.)
 */
export const PBKDF2_ITERATIONS = 100_000;
const SALT_BYTES = 16;
const HASH_BITS = 256;
/** The current scheme: PBKDF2 over the peppered password. */
export const PEPPERED_SCHEME = "pbkdf2-sha256-pepper";
/** The scheme of hashes made before the pepper; verified, then upgraded on log-in. */
export const LEGACY_SCHEME = "pbkdf2-sha256";
/** Shortest pepper accepted (`openssl rand -base64 32` gives 44 characters). */
export const PEPPER_MIN_LENGTH = 32;

const encoder = new TextEncoder();

/**
 * The pepper from the worker's secrets; throws `ConfigError` naming `PASSWORD_PEPPER` when it is
 * missing or too short (the value itself is never echoed).
 * @example const pepper = passwordPepper(c.env.PASSWORD_PEPPER);
 */
export function passwordPepper(value: string | undefined): string {
  const pepper = value?.trim() ?? "";
  if (!pepper) throw new ConfigError("PASSWORD_PEPPER", "PASSWORD_PEPPER is not set");
  if (pepper.length < PEPPER_MIN_LENGTH) {
    throw new ConfigError(
      "PASSWORD_PEPPER",
      `PASSWORD_PEPPER must be at least ${PEPPER_MIN_LENGTH} characters (e.g. \`openssl rand -base64 32\`)`,
    );
  }
  return pepper;
}

const pepperKeys = new Map<string, Promise<CryptoKey>>();

/** HMAC-SHA256(pepper, password): the PBKDF2 input of the current scheme. */
async function pepperPassword(password: string, pepper: string): Promise<Uint8Array> {
  let key = pepperKeys.get(pepper);
  if (!key) {
    key = crypto.subtle.importKey(
      "raw",
      encoder.encode(pepper),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign"],
    );
    pepperKeys.set(pepper, key);
  }
  return new Uint8Array(await crypto.subtle.sign("HMAC", await key, encoder.encode(password)));
}

async function derive(
  input: Uint8Array,
  salt: Uint8Array,
  iterations: number,
): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", input, "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt, iterations },
    key,
    HASH_BITS,
  );
  return new Uint8Array(bits);
}

/**
 * Hashes a password with a fresh random salt, in the current (peppered) scheme.
 * @example const stored = await hashPassword("correct horse battery staple", pepper);
 */
export async function hashPassword(
  password: string,
  pepper: string,
  iterations: number = PBKDF2_ITERATIONS,
): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  const hash = await derive(await pepperPassword(password, pepper), salt, iterations);
  return `${PEPPERED_SCHEME}$${iterations}$${base64urlEncode(salt)}$${base64urlEncode(hash)}`;
}

/** What {@link verifyPassword} found: a match, and whether the stored hash should be replaced. */
export type PasswordCheck = { ok: boolean; rehash: boolean };

/**
 * Checks a password against a stored hash in constant time. A malformed stored hash is no match.
 * `rehash` is true for a match in an older scheme or with fewer iterations than today's.
 * @example const { ok, rehash } = await verifyPassword(input, user.passwordHash, pepper);
 */
export async function verifyPassword(
  password: string,
  stored: string,
  pepper: string,
): Promise<PasswordCheck> {
  const [scheme, iterationsText, saltText, hashText, ...rest] = stored.split("$");
  const iterations = Number(iterationsText);
  const salt = saltText ? base64urlDecode(saltText) : null;
  const expected = hashText ? base64urlDecode(hashText) : null;
  const known = scheme === PEPPERED_SCHEME || scheme === LEGACY_SCHEME;
  if (!known || rest.length > 0 || !Number.isInteger(iterations) || iterations < 1) {
    return { ok: false, rehash: false };
  }
  if (!salt || !expected) return { ok: false, rehash: false };
  const input =
    scheme === PEPPERED_SCHEME ? await pepperPassword(password, pepper) : encoder.encode(password);
  const ok = timingSafeEqual(await derive(input, salt, iterations), expected);
  const outdated = scheme !== PEPPERED_SCHEME || iterations < PBKDF2_ITERATIONS;
  return { ok, rehash: ok && outdated };
}

/**
 * A valid hash of a random password, used to spend the same time on an unknown email as on a
 * wrong password, so the two cannot be told apart by timing. Computed once per isolate and pepper.
 */
const decoyHashes = new Map<string, Promise<string>>();
export function decoyPasswordHash(pepper: string): Promise<string> {
  let decoy = decoyHashes.get(pepper);
  if (!decoy) {
    decoy = hashPassword(crypto.randomUUID(), pepper);
    decoyHashes.set(pepper, decoy);
  }
  return decoy;
}
