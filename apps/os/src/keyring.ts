/**
 * The platform's keyring from its secrets, built once per isolate per key pair (importing AES keys
 * costs a little on every request otherwise).
 */
import { createKeyring, type Keyring } from "@iterate/contract";
import type { Bindings } from "./app-env.ts";

const cache = new Map<string, Promise<Keyring>>();

/**
 * @example const keyring = await keyringFromEnv(c.env);
 * Throws the contract's `ConfigError` (naming `ENCRYPTION_KEY`) when a key is missing or malformed.
 */
export function keyringFromEnv(
  env: Pick<Bindings, "ENCRYPTION_KEY" | "ENCRYPTION_KEY_PREVIOUS">,
): Promise<Keyring> {
  const cacheKey = `${env.ENCRYPTION_KEY ?? ""}\n${env.ENCRYPTION_KEY_PREVIOUS ?? ""}`;
  let keyring = cache.get(cacheKey);
  if (!keyring) {
    keyring = createKeyring({
      current: env.ENCRYPTION_KEY,
      previous: env.ENCRYPTION_KEY_PREVIOUS || undefined,
    });
    // A failed build (bad key) is not cached, so fixing the secret takes effect without a restart.
    keyring.catch(() => cache.delete(cacheKey));
    cache.set(cacheKey, keyring);
  }
  return keyring;
}
