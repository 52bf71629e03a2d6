import { signRequest } from "@iterate/contract";

/** What the platform knows about a machine: enough to sign requests to it. */
export interface MachineKey {
  machineId: string;
  secret: string;
}

/**
 * Sends a request signed exactly as the platform's `fetchForInstance` would.
 *
 * @example
 * const res = await signedFetch(daemon.url, key, "PUT", "/platform/env", { env: { A: "1" } });
 */
export async function signedFetch(
  baseUrl: string,
  key: MachineKey,
  method: string,
  path: string,
  json?: unknown,
): Promise<Response> {
  const body = json === undefined ? undefined : JSON.stringify(json);
  const token = await signRequest({ ...key, method, url: path, body });
  return fetch(new URL(path, baseUrl), {
    method,
    body,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
  });
}
