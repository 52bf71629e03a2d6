/** Test support: a password hash in the scheme used before the pepper (auth/password.ts). */
import { base64urlEncode } from "@iterate/contract";

/** `pbkdf2-sha256$<iterations>$<salt>$<hash>`: PBKDF2-SHA256 of the bare password. */
export async function legacyPasswordHash(password: string, iterations = 100_000): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
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
    256,
  );
  return `pbkdf2-sha256$${iterations}$${base64urlEncode(salt)}$${base64urlEncode(new Uint8Array(bits))}`;
}
