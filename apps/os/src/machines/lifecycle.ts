/**
 * The two ways a machine stops being the instance's machine — archived (replaced by a rebuild)
 * and failed (its workflow gave up) — and the clean-up both share: the status moves first (so
 * the ping and `fetchForInstance` refuse it at once), then its token is revoked and its sandbox
 * deleted. A ready machine is first asked to retire, so its agents' threads hear of the rebuild.
 * Every part is idempotent, so a retried step or a repeated rebuild is safe.
 */
import { RETIRE_GRACE_MS, retireResponseSchema } from "@iterate/contract";
import type { Bindings } from "../app-env.ts";
import { revokeMachineTokens } from "../db/access-tokens.ts";
import { createDb } from "../db/client.ts";
import { findMachine, LIVE_STATUSES, transitionMachine } from "../db/machines.ts";
import type { MachineRow } from "../db/schema.ts";
import { signedFetch } from "./fetch-for-instance.ts";
import { providerFor } from "./machine-provider.ts";
import type { MachineWorkflowParams } from "./machine-workflow.ts";

/**
 * Deletes the machine's sandbox, finding it by label when the row never learned its id (a
 * `create-sandbox` that created it and then failed). Provider errors propagate.
 */
export async function deleteSandbox(env: Bindings, machine: MachineRow): Promise<void> {
  const provider = providerFor(env, machine.provider);
  const externalId = machine.externalId ?? (await provider.find(machine.id))?.externalId;
  if (externalId) await provider.delete(externalId);
}

/** The id of the `MachineWorkflow` run that retries deleting a machine's sandbox. */
export const sandboxCleanupId = (machineId: string) => `${machineId}-cleanup`;

/**
 * Revokes the token and deletes the sandbox, both at once. When the provider fails, the deletion is handed
 * to a cleanup run of `MachineWorkflow` (`delete-sandbox`, retried with backoff for hours), so a
 * provider that is down during a rebuild does not leave a sandbox running — and billing — for good.
 */
async function release(env: Bindings, machine: MachineRow): Promise<void> {
  // The sandbox goes whatever the revoke does: the machine is no longer live, so machineAuth
  // refuses its token already, while a sandbox left running costs money.
  const revoked = revokeMachineTokens(createDb(env.DB), machine.id).then(
    () => null,
    (error: unknown) => error,
  );
  try {
    await deleteSandbox(env, machine);
  } catch (error) {
    console.error(
      `machine ${machine.id}: sandbox not deleted (${(error as Error).message}); retrying in the background`,
    );
    await scheduleSandboxCleanup(env, machine);
  }
  const failure = await revoked;
  if (failure) throw failure;
}

/** Starts the machine's cleanup run, unless an earlier failure started it already. */
async function scheduleSandboxCleanup(env: Bindings, machine: MachineRow): Promise<void> {
  const id = sandboxCleanupId(machine.id);
  const params: MachineWorkflowParams = {
    machineId: machine.id,
    instanceId: machine.instanceId,
    purpose: "delete-sandbox",
  };
  try {
    await env.MACHINE_WORKFLOW.create({ id, params });
  } catch (error) {
    // Taken: the run exists (a second failure of the same machine). Anything else is real.
    const existing = await env.MACHINE_WORKFLOW.get(id).catch(() => null);
    if (!existing) throw error;
  }
}

/**
 * How long a rebuild waits for the old daemon to retire: the grace it gives its stopped runs to
 * tell their threads, and the request some time on top.
 */
export const RETIRE_TIMEOUT_MS = RETIRE_GRACE_MS + 3_000;

/**
 * Asks a ready machine's daemon to retire (signed `POST /platform/retire`, docs/daemon.md): its
 * agents stop and say so in their threads — while its token still reaches the Slack proxy —
 * and it refuses new Slack events, which the outbox then keeps for the next machine. Best
 * effort: a daemon that fails or does not answer in time is archived all the same (the user
 * asked for a new machine); what it had not told is then lost with it, as before.
 */
async function retire(env: Bindings, machine: MachineRow): Promise<void> {
  if (machine.status !== "ready") return;
  try {
    const res = await signedFetch(env, machine)("/platform/retire", {
      method: "POST",
      signal: AbortSignal.timeout(RETIRE_TIMEOUT_MS),
    });
    const answer = retireResponseSchema.safeParse(await res.json().catch(() => null));
    if (!res.ok || !answer.success) {
      console.error(`machine ${machine.id}: retire answered ${res.status}; archiving anyway`);
    } else {
      console.log(`machine ${machine.id}: retired, ${answer.data.interrupted} run(s) stopped`);
    }
  } catch (error) {
    console.error(
      `machine ${machine.id}: not retired (${(error as Error).name}); archiving anyway`,
    );
  }
}

/**
 * Archives a live machine (rebuild): retired if ready, no longer the instance's machine, token
 * revoked, sandbox deleted, its workflow terminated. Returns false when it was not live.
 */
export async function archiveMachine(env: Bindings, machine: MachineRow): Promise<boolean> {
  await retire(env, machine);
  const archived = await transitionMachine(
    createDb(env.DB),
    machine.id,
    LIVE_STATUSES,
    "archived",
    { archivedAt: new Date() },
  );
  if (!archived) return false;
  // Still `creating`: its create-sandbox step may be inside the provider's create call. That step
  // deletes a sandbox it made for an archived machine, so it must finish, not be terminated.
  const creating = machine.status === "creating";
  try {
    await release(env, archived);
  } catch (error) {
    // The rebuild goes on (the user wants a new machine); a creating machine's own step cleans up.
    console.error(`machine ${machine.id}: not released yet: ${(error as Error).message}`);
  }
  if (creating) return true;
  // Best effort: a running workflow could only reach guarded transitions that no longer match
  // an archived machine anyway; a finished one cannot be terminated.
  try {
    const workflow = await env.MACHINE_WORKFLOW.get(archived.workflowInstanceId ?? archived.id);
    const { status } = await workflow.status();
    if (status !== "complete" && status !== "errored" && status !== "terminated") {
      await workflow.terminate();
    }
  } catch {}
  return true;
}

/**
 * Fails a live machine with `error` (words a user understands): token revoked, sandbox
 * deleted (or its deletion handed to a cleanup run when the provider fails).
 */
export async function failMachine(env: Bindings, machineId: string, error: string): Promise<void> {
  const db = createDb(env.DB);
  const failed = await transitionMachine(db, machineId, LIVE_STATUSES, "failed", { error });
  // Already terminal: still make sure nothing of it is left running (idempotent).
  const machine = failed ?? (await findMachine(db, machineId));
  if (machine) await release(env, machine);
}
