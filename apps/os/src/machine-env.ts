/**
 * The env a machine receives: OS-provided defaults, overridden by the instance's own env vars,
 * with the reserved `ITERATE_*` names always from the platform. The merge itself is
 * `mergeMachineEnv` from the contract — the one rule the daemon applies too.
 */
import { type Keyring, mergeMachineEnv, osProvidedEnv } from "@iterate/contract";
import type { Db } from "./db/client.ts";
import { decryptInstanceEnv } from "./db/env-vars.ts";

/** Who the machine is and where the platform is, for the reserved names. */
export type MachineEnvInput = {
  platformUrl: string;
  instanceId: string;
  machineId: string;
  machineToken: string;
};

/**
 * Decrypts an instance's env vars and merges them over the OS-provided ones.
 * @example
 * const env = await machineEnvForInstance(db, keyring, { platformUrl, instanceId, machineId, machineToken });
 * await provider.createSandbox({ env });
 */
export async function machineEnvForInstance(
  db: Db,
  keyring: Keyring,
  input: MachineEnvInput,
): Promise<Record<string, string>> {
  const instance = await decryptInstanceEnv(db, keyring, input.instanceId);
  return mergeMachineEnv({ osProvided: osProvidedEnv(input), instance });
}
