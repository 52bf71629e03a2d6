/**
 * Env changes reach the running machine: the instance's full env goes to the ready machine with
 * signed `PUT /platform/env` (hot reload; new agent runs see it without a restart). The machine's
 * `env_version` records which instance `env_version` it has, so the Env vars page can say whether
 * it is up to date. A new machine gets the env in its `bootstrap` step (and `activate` pushes
 * again if it changed meanwhile). Called through the instance's Durable Object, which runs one
 * push at a time, so an older env can never overwrite a newer one on the daemon.
 */
import { AppError } from "@iterate/contract";
import type { Bindings } from "../app-env.ts";
import { createDb } from "../db/client.ts";
import { decryptInstanceEnv } from "../db/env-vars.ts";
import { findInstanceById } from "../db/instances.ts";
import { findLiveMachine, updateLiveMachine } from "../db/machines.ts";
import type { MachineRow } from "../db/schema.ts";
import { keyringFromEnv } from "../keyring.ts";
import { signedFetch } from "./fetch-for-instance.ts";

/** How a push ended. `not_ready`: nothing to push to; the machine gets the env when it starts. */
export type EnvPushResult =
  | { status: "pushed"; machineId: string; envVersion: number }
  | { status: "up_to_date"; machineId: string; envVersion: number }
  | { status: "not_ready" }
  | { status: "failed"; machineId: string; error: string };

/**
 * @example const result = await pushInstanceEnv(env, instanceId); // { status: "pushed", … }
 */
export async function pushInstanceEnv(env: Bindings, instanceId: string): Promise<EnvPushResult> {
  const db = createDb(env.DB);
  const [instance, machine] = await Promise.all([
    findInstanceById(db, instanceId),
    findLiveMachine(db, instanceId),
  ]);
  if (!instance || machine?.status !== "ready") return { status: "not_ready" };
  // Read the version before the values: a change made during the push leaves the machine stale.
  const envVersion = instance.envVersion;
  if (machine.envVersion === envVersion) {
    return { status: "up_to_date", machineId: machine.id, envVersion };
  }
  try {
    await sendInstanceEnv(env, machine, envVersion);
  } catch (error) {
    return { status: "failed", machineId: machine.id, error: (error as Error).message };
  }
  return { status: "pushed", machineId: machine.id, envVersion };
}

/**
 * Sends the instance's full env to one machine (signed `PUT /platform/env`) and records the
 * `env_version` it now has. Throws `upstream_error` when the daemon does not take it. The
 * workflow's `bootstrap` calls it directly (the machine is not ready yet, and the step retries).
 */
export async function sendInstanceEnv(
  env: Bindings,
  machine: MachineRow,
  envVersion?: number,
): Promise<void> {
  const db = createDb(env.DB);
  const version = envVersion ?? (await findInstanceById(db, machine.instanceId))?.envVersion ?? 0;
  const vars = await decryptInstanceEnv(db, await keyringFromEnv(env), machine.instanceId);
  const res = await signedFetch(env, machine)("/platform/env", {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ env: vars }),
    signal: AbortSignal.timeout(10_000),
  });
  await res.body?.cancel();
  if (!res.ok) throw new AppError("upstream_error", `the daemon refused the env (${res.status})`);
  await updateLiveMachine(db, machine.id, { envVersion: version });
}
