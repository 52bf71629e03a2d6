import { readFile } from "node:fs/promises";
import { mintAccessToken, randomId } from "@iterate/contract";

/**
 * A machine env the real daemon starts with (ARCHITECTURE "Machine env"). The platform URL is a
 * closed port: the daemon keeps retrying its ping in the background and serves meanwhile.
 *
 * @example
 * await post("/sandboxes", { env: machineEnv() });
 */
export function machineEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    ITERATE_PLATFORM_URL: "http://127.0.0.1:9",
    ITERATE_INSTANCE_ID: randomId("ins"),
    ITERATE_MACHINE_ID: randomId("mch"),
    ITERATE_MACHINE_TOKEN: mintAccessToken().token,
    ...extra,
  };
}

/** The env a process started with, from `/proc/<pid>/environ` (Linux). */
export async function processEnv(pid: number): Promise<Record<string, string>> {
  const raw = await readFile(`/proc/${pid}/environ`, "utf8");
  const env: Record<string, string> = {};
  for (const pair of raw.split("\0")) {
    if (pair === "") continue;
    const at = pair.indexOf("=");
    env[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return env;
}
