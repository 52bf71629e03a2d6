import { signRequest } from "@iterate/contract";

/** Headers that authenticate one request; `{}` for targets without auth. */
export type Signer = (
  method: string,
  path: string,
  body?: string,
) => Promise<Record<string, string>>;

/** No signature (the unsigned targets and the reference server). */
export const unsigned: Signer = async () => ({});

/**
 * Signs as the platform does (`fetchForInstance`): a fresh HS256 token per
 * request over method, path + query and body hash. Benchmarks sign ahead of
 * the clock they measure — signing is the platform's cost, not the daemon's.
 *
 * @example
 * const sign = platformSigner({ secret, machineId });
 * const headers = await sign("POST", "/agents/s", "hello");
 */
export function platformSigner(key: { secret: string; machineId: string }): Signer {
  return async (method, path, body) => ({
    authorization: `Bearer ${await signRequest({ ...key, method, url: path, body })}`,
  });
}
