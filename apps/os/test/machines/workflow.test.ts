import { env, introspectWorkflow } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { mintMachineToken } from "../../src/db/access-tokens.ts";
import { findMachine, insertMachine } from "../../src/db/machines.ts";
import { accessTokens, instances } from "../../src/db/schema.ts";
import { keyringFromEnv } from "../../src/keyring.ts";
import { machineEnvForInstance } from "../../src/machine-env.ts";
import { fetchForInstance } from "../../src/machines/fetch-for-instance.ts";
import { createLocalProvider } from "../../src/machines/providers/local.ts";
import { MACHINE_LABEL } from "../../src/machines/providers/provider.ts";
import { call, signUp } from "../helpers.ts";
import {
  currentMachine,
  db,
  deliverPing,
  eventually,
  localSandbox,
  machineInStatus,
  machinesContext,
} from "./support.ts";

let introspector: Awaited<ReturnType<typeof introspectWorkflow>> | undefined;
afterEach(async () => {
  await introspector?.dispose();
  introspector = undefined;
});

async function sandboxesOf(machineId: string) {
  const res = await localSandbox(
    `/sandboxes?label=${encodeURIComponent(`${MACHINE_LABEL}=${machineId}`)}`,
  );
  return ((await res.json()) as { sandboxes: { id: string; state: string }[] }).sandboxes;
}

async function tokenRevoked(machineId: string) {
  const rows = await db().select().from(accessTokens).where(eq(accessTokens.machineId, machineId));
  return rows.length > 0 && rows.every((t) => t.revokedAt !== null);
}

describe("MachineWorkflow", () => {
  it("sign-up → creating → starting → (ping) → bootstrapping → ready, reachable through fetchForInstance", async () => {
    introspector = await introspectWorkflow(env.MACHINE_WORKFLOW);
    const user = await signUp("wf-happy");
    const machine = await currentMachine(user.instance.id);
    expect(machine.status === "creating" || machine.status === "starting").toBe(true);
    expect(machine.provider).toBe("local");

    const starting = await machineInStatus(machine.id, "starting");
    expect(starting.daemonUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await sandboxesOf(machine.id)).toHaveLength(1);

    await deliverPing(machine.id);
    const [instance] = introspector.get();
    await instance?.waitForStatus("complete");
    const ready = await machineInStatus(machine.id, "ready");
    expect(ready.readyAt).not.toBeNull();
    expect(ready.error).toBeNull();

    const res = await fetchForInstance(env, user.instance.id)("/platform/ping");
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true, machineId: machine.id });

    const api = await call("GET", `/api/instances/${user.instance.id}/machines`, undefined, {
      cookie: user.cookie,
    });
    const body = (await api.json()) as { current: { id: string; status: string } };
    expect(body.current).toMatchObject({ id: machine.id, status: "ready" });
  });

  it("fails with words when the daemon does not report in time: sandbox deleted, token revoked", async () => {
    introspector = await introspectWorkflow(env.MACHINE_WORKFLOW);
    await introspector.modifyAll(async (m) => {
      await m.forceEventTimeout({ name: "daemon-ping" });
    });
    const user = await signUp("wf-timeout");
    const machine = await currentMachine(user.instance.id);
    const failed = await machineInStatus(machine.id, "failed");
    expect(failed.error).toBe("The daemon did not report within 5 minutes.");
    await eventually("the sandbox to be deleted", async () =>
      (await sandboxesOf(machine.id)).length === 0 ? true : undefined,
    );
    expect(await tokenRevoked(machine.id)).toBe(true);
  });

  it("fails with git's own message when the repository cannot be cloned", async () => {
    introspector = await introspectWorkflow(env.MACHINE_WORKFLOW);
    const user = await signUp("wf-badrepo");
    const res = await call(
      "PATCH",
      `/api/instances/${user.instance.id}`,
      { repoUrl: "file:///nonexistent/no-such-repo.git" },
      { cookie: user.cookie },
    );
    expect(res.status).toBe(200);
    const machine = await currentMachine(user.instance.id);
    await deliverPing(machine.id);
    const failed = await machineInStatus(machine.id, "failed");
    expect(failed.error).toMatch(
      /^Bootstrapping the workspace failed: fatal: '\/nonexistent\/no-such-repo.git' does not appear to be a git repository/,
    );
    expect(failed.error).not.toContain("Cloning into");
    expect(await tokenRevoked(machine.id)).toBe(true);
    await eventually("the sandbox to be deleted", async () =>
      (await sandboxesOf(machine.id)).length === 0 ? true : undefined,
    );
  });

  it("a retried create-sandbox reuses the sandbox an earlier attempt made (found by label)", async () => {
    introspector = await introspectWorkflow(env.MACHINE_WORKFLOW);
    // An instance without sign-up, so no workflow has started for it yet.
    const instanceId = `ins_${crypto.randomUUID().replace(/-/g, "").slice(0, 20)}`;
    await db()
      .insert(instances)
      .values({ id: instanceId, name: "retry", slug: instanceId.replace("_", "-") });
    const machine = await insertMachine(db(), { instanceId, provider: "local" });

    // What a first attempt did before it failed: minted the token and created the sandbox.
    const { token } = await mintMachineToken(db(), { instanceId, machineId: machine.id });
    const machineEnv = await machineEnvForInstance(db(), await keyringFromEnv(env), {
      platformUrl: env.PLATFORM_URL,
      instanceId,
      machineId: machine.id,
      machineToken: token,
    });
    const { localSandboxUrl, localSandboxSecret } = machinesContext();
    const provider = createLocalProvider({ url: localSandboxUrl, secret: localSandboxSecret });
    const first = await provider.create({ machineId: machine.id, instanceId, env: machineEnv });

    await env.MACHINE_WORKFLOW.create({
      id: machine.id,
      params: { machineId: machine.id, instanceId },
    });
    const starting = await machineInStatus(machine.id, "starting");
    expect(starting.externalId).toBe(first.externalId);
    expect(await sandboxesOf(machine.id)).toHaveLength(1);

    // The first attempt's token is still the machine's: its daemon's ping makes it ready.
    await deliverPing(machine.id);
    await machineInStatus(machine.id, "ready");
    expect((await findMachine(db(), machine.id))?.externalId).toBe(first.externalId);
  });
});
