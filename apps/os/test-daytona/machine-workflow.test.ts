/**
 * The whole machine lifecycle on the Daytona provider (workerd, real SDK, fake Daytona API with a
 * real daemon per sandbox): sign-up → ready → fetchForInstance → rebuild.
 */
import { env } from "cloudflare:test";
import { describe, expect, inject, it } from "vitest";
import { findMachine } from "../src/db/machines.ts";
import { keyringFromEnv } from "../src/keyring.ts";
import { fetchForInstance, providerHeadersAad } from "../src/machines/fetch-for-instance.ts";
import { INSTANCE_LABEL, MACHINE_LABEL } from "../src/machines/providers/provider.ts";
import { signUp } from "../test/helpers.ts";
import {
  currentMachine,
  db,
  deliverPing,
  eventually,
  machineInStatus,
  rebuild,
} from "../test/machines/support.ts";
import type { FakeSandbox } from "../test-support/fake-daytona-context.ts";

const daytona = inject("fakeDaytona");

async function fakeSandbox(machineId: string): Promise<FakeSandbox | undefined> {
  const all: FakeSandbox[] = await (await fetch(`${daytona.url}/__fake/sandboxes`)).json();
  return all.find((s) => s.labels[MACHINE_LABEL] === machineId);
}

describe("MachineWorkflow on Daytona", () => {
  it("creates a private sandbox with the machine env, reaches ready, and is rebuilt", async () => {
    const user = await signUp("daytona-wf");
    const machine = await currentMachine(user.instance.id);
    expect(machine.provider).toBe("daytona");
    const starting = await machineInStatus(machine.id, "starting");

    const sandbox = await eventually("the fake sandbox", () => fakeSandbox(machine.id));
    expect(sandbox.labels[INSTANCE_LABEL]).toBe(user.instance.id);
    expect(sandbox.createBody).toMatchObject({
      public: false,
      autoStopInterval: 0,
      snapshot: daytona.snapshot,
    });
    expect(sandbox.env.ITERATE_MACHINE_ID).toBe(machine.id);
    expect(sandbox.env.ITERATE_MACHINE_TOKEN).toMatch(/^itk_/);
    expect(starting.externalId).toBe(sandbox.id);
    // The preview token is kept encrypted and sent on every request to the daemon.
    const headers = JSON.parse(
      await (await keyringFromEnv(env)).decrypt(
        starting.providerHeadersEncrypted ?? "",
        providerHeadersAad(machine.id),
      ),
    );
    expect(headers).toEqual({ "x-daytona-preview-token": sandbox.previewToken });

    await deliverPing(machine.id);
    await machineInStatus(machine.id, "ready");
    const ping = await fetchForInstance(env, user.instance.id)("/platform/ping");
    expect(await ping.json()).toMatchObject({ ok: true, machineId: machine.id });

    expect((await rebuild(user)).status).toBe(202);
    expect((await findMachine(db(), machine.id))?.status).toBe("archived");
    expect((await fakeSandbox(machine.id))?.state).toBe("destroyed");
  });

  it("a sandbox that fails to start is deleted and the retried step starts a fresh one", async () => {
    const user = await signUp("daytona-failed-start");
    const first = await currentMachine(user.instance.id);
    await deliverPing(first.id);
    await machineInStatus(first.id, "ready");
    const faulted = await fetch(`${daytona.url}/__fake/fail-starts`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ instanceId: user.instance.id, count: 1 }),
    });
    expect(faulted.status).toBe(200);

    expect((await rebuild(user)).status).toBe(202);
    const machine = await currentMachine(user.instance.id);
    expect(machine.id).not.toBe(first.id);
    // The first sandbox ends in `error`; the step's retry deletes it and makes another.
    const starting = await machineInStatus(machine.id, "starting");
    await deliverPing(machine.id);
    await machineInStatus(machine.id, "ready");
    const all: FakeSandbox[] = await (await fetch(`${daytona.url}/__fake/sandboxes`)).json();
    const made = all.filter((s) => s.labels[MACHINE_LABEL] === machine.id);
    expect(made.map((s) => s.state).sort()).toEqual(["destroyed", "started"]);
    expect(made.find((s) => s.state === "started")?.id).toBe(starting.externalId);
    expect(made.find((s) => s.state === "destroyed")?.errorReason).toMatch(/entrypoint/);
  });

  it("a rebuild while Daytona cannot delete leaves no sandbox for good: a cleanup run retries", async () => {
    const user = await signUp("daytona-cleanup");
    const machine = await currentMachine(user.instance.id);
    await deliverPing(machine.id);
    await machineInStatus(machine.id, "ready");
    const sandbox = await eventually("the fake sandbox", () => fakeSandbox(machine.id));
    // The delete during the rebuild fails, and so does the cleanup run's first try.
    const faulted = await fetch(`${daytona.url}/__fake/fail-deletes`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ sandboxId: sandbox.id, count: 2 }),
    });
    expect(faulted.status).toBe(200);

    expect((await rebuild(user)).status).toBe(202);
    expect((await findMachine(db(), machine.id))?.status).toBe("archived");
    expect((await fakeSandbox(machine.id))?.state).not.toBe("destroyed");
    const gone = await eventually(
      "the old sandbox to be deleted by the cleanup run",
      async () => {
        const now = await fakeSandbox(machine.id);
        return now?.state === "destroyed" ? now : undefined;
      },
      40_000,
    );
    expect(gone.failDeletes).toBe(0);
    // The new machine is the instance's, untouched by the cleanup.
    const next = await currentMachine(user.instance.id);
    expect(next.id).not.toBe(machine.id);
  });
});
