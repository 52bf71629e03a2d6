/**
 * Machine test helpers (workerd): poll D1 for a machine, and deliver a daemon's real ping —
 * recorded by the ping relay (test-support/ping-relay.ts) — to the real `POST /api/machine/ping`.
 */
import { env, SELF } from "cloudflare:test";
import { expect, inject } from "vitest";
import { createDb } from "../../src/db/client.ts";
import { findMachine, listMachinesForInstance } from "../../src/db/machines.ts";
import type { MachineRow, MachineStatus } from "../../src/db/schema.ts";
import { eventually } from "../../test-support/eventually.ts";
import type { RecordedPing } from "../../test-support/machines-context.ts";
import { call, ORIGIN, type SignedUp, signUp } from "../helpers.ts";

export const machinesContext = () => inject("machines");
export const db = () => createDb(env.DB);

export { eventually };

/** The instance's current machine once it has one. */
export function currentMachine(instanceId: string): Promise<MachineRow> {
  return eventually(`a machine for ${instanceId}`, async () => {
    const { current } = await listMachinesForInstance(db(), instanceId);
    return current ?? undefined;
  });
}

/** Waits until the machine is in `status` (fails fast if it ends in another terminal status). */
export function machineInStatus(machineId: string, status: MachineStatus): Promise<MachineRow> {
  return eventually(`${machineId} to be ${status}`, async () => {
    const row = await findMachine(db(), machineId);
    if (row?.status === status) return row;
    if (row && (row.status === "failed" || row.status === "archived")) {
      expect.fail(`${machineId} ended ${row.status} (${row.error ?? "no error"}), not ${status}`);
    }
    return undefined;
  });
}

/** The pings the daemon of `machineId` sent, as recorded by the relay. */
export async function recordedPings(machineId: string): Promise<RecordedPing[]> {
  const res = await fetch(`${machinesContext().relayUrl}/recorded?machineId=${machineId}`);
  return ((await res.json()) as { pings: RecordedPing[] }).pings;
}

/** The daemon's first ping, once it arrived at the relay. */
export function daemonPing(machineId: string): Promise<RecordedPing> {
  return eventually(
    `the daemon of ${machineId} to ping`,
    async () => (await recordedPings(machineId))[0],
  );
}

/** Sends a ping to the real platform route. */
export function sendPing(authorization: string, body: string): Promise<Response> {
  return SELF.fetch(`${ORIGIN}/api/machine/ping`, {
    method: "POST",
    headers: { authorization, "content-type": "application/json" },
    body,
  });
}

/** Waits for the machine's daemon to ping and delivers that ping to the platform (200). */
export async function deliverPing(machineId: string): Promise<RecordedPing> {
  const ping = await daemonPing(machineId);
  const res = await sendPing(ping.authorization, ping.body);
  expect(res.status, await res.clone().text()).toBe(200);
  return ping;
}

/** A local-sandbox API call (the same service the worker's local provider uses). */
export async function localSandbox(path: string, init: RequestInit = {}): Promise<Response> {
  const { localSandboxUrl, localSandboxSecret } = machinesContext();
  return fetch(`${localSandboxUrl}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${localSandboxSecret}`, ...init.headers },
  });
}

/** A signed-up user whose first machine is `ready` (its real ping delivered). */
export async function readyInstance(label: string) {
  const user = await signUp(label);
  const machine = await currentMachine(user.instance.id);
  await deliverPing(machine.id);
  await machineInStatus(machine.id, "ready");
  return { user, machine };
}

/** `POST …/machines/rebuild` as the user (202 expected by callers). */
export function rebuild(user: SignedUp): Promise<Response> {
  return call("POST", `/api/instances/${user.instance.id}/machines/rebuild`, undefined, {
    cookie: user.cookie,
  });
}
