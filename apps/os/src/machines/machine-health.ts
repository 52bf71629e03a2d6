/**
 * What the platform concludes about a ready machine that stopped answering. Asked only after a
 * request to it failed without an answer from its daemon (no connection, a time-out, or the
 * provider's proxy answering in its place), so a healthy machine costs nothing.
 *
 * Only a sandbox the provider no longer knows (`missing`: deleted outside the platform, or lost
 * with a restarted local-sandbox) fails the machine: it can never answer again, and the Machines
 * page then says so instead of showing `ready` while Slack messages wait. A sandbox that is
 * stopped or in error may still hold the instance's sessions on its disk; deleting those is the
 * user's call (Rebuild), so those only get words.
 */
import type { Bindings } from "../app-env.ts";
import type { MachineRow } from "../db/schema.ts";
import { failMachine } from "./lifecycle.ts";
import { providerFor } from "./machine-provider.ts";
import type { SandboxState } from "./providers/provider.ts";

/** The error a machine whose sandbox disappeared is failed with (Machines page). */
export const SANDBOX_MISSING_ERROR =
  "The machine's sandbox no longer exists at the provider, so the machine cannot answer; rebuild it.";

/**
 * Words to add to "the machine did not answer", or null when its sandbox still runs (or the
 * provider cannot tell: nothing is concluded on a guess). Fails the machine when its sandbox is
 * gone.
 *
 * @example const verdict = await unansweringMachine(env, machine); // "The provider reports …"
 */
export async function unansweringMachine(
  env: Bindings,
  machine: MachineRow,
): Promise<string | null> {
  // Only a ready machine is expected to answer (a new one may be the live machine by now).
  if (machine.status !== "ready" || !machine.externalId) return null;
  let state: SandboxState;
  try {
    state = await providerFor(env, machine.provider).state(machine.externalId);
  } catch (error) {
    console.error(`machine ${machine.id}: sandbox state not read: ${(error as Error).message}`);
    return null;
  }
  if (state === "running" || state === "starting") return null;
  if (state !== "missing") {
    return `The provider reports the machine's sandbox ${state}; rebuild the machine to go on.`;
  }
  await failMachine(env, machine.id, SANDBOX_MISSING_ERROR);
  console.error(`machine ${machine.id}: failed, its sandbox ${machine.externalId} is gone`);
  return `${SANDBOX_MISSING_ERROR} The machine was marked failed.`;
}

/**
 * `failed`, with the provider's verdict on the machine's sandbox added when it is not running.
 *
 * @example await withVerdict("The machine did not answer within 10 s.", env, machine)
 */
export async function withVerdict(
  failed: string,
  env: Bindings,
  machine: MachineRow,
): Promise<string> {
  const verdict = await unansweringMachine(env, machine);
  return verdict ? `${failed} ${verdict}` : failed;
}
